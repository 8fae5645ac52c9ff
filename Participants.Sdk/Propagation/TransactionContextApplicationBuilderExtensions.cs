using TxCoordinator.Participants.Propagation;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Reads the propagated transaction of incoming HTTP requests.</summary>
public static class TransactionContextApplicationBuilderExtensions
{
    /// <summary>
    /// Sets <see cref="DistributedTransactionContext.Current"/> from the Txc-Transaction-Id request header for the rest of the
    /// pipeline; a header that is present but not a GUID gets 400 problem+json.
    /// </summary>
    public static IApplicationBuilder UseTransactionContext(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<TransactionContextMiddleware>();
    }
}
