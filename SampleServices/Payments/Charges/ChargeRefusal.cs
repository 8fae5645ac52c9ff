namespace TxCoordinator.Samples.Payments.Charges;

/// <summary>A business reason not to charge, with the HTTP status it is answered with.</summary>
public sealed record ChargeRefusal(int StatusCode, string Title, string Reason)
{
    public static ChargeRefusal CardDeclined { get; } = new(StatusCodes.Status402PaymentRequired, "Card declined", "card declined");

    public static ChargeRefusal UnknownCustomer { get; } = new(StatusCodes.Status404NotFound, "Unknown customer", "unknown customer");

    public static ChargeRefusal InsufficientFunds { get; } = new(StatusCodes.Status409Conflict, "Insufficient funds", "insufficient funds");

    public static ChargeRefusal Duplicate(Guid orderId) =>
        new(StatusCodes.Status409Conflict, "Duplicate charge", $"order {orderId} has already been charged");
}
