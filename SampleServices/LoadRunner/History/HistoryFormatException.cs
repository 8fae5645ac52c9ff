namespace TxCoordinator.Samples.LoadRunner.History;

/// <summary>A history file holds a line that is not a history record.</summary>
public sealed class HistoryFormatException : Exception
{
    public HistoryFormatException()
    {
    }

    public HistoryFormatException(string message)
        : base(message)
    {
    }

    public HistoryFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
