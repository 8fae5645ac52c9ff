namespace TxCoordinator.IntegrationTests.Stack;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails with <paramref name="what"/> when the timeout passes.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = ex; // a process that is restarting refuses connections for a moment
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Not true within {timeout.TotalSeconds} s: {what}" + (last is null ? "" : $" (last error: {last.Message})"));
    }
}
