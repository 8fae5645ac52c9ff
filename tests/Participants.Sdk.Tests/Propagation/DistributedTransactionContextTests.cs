using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed class TransactionContextTests
{
    [Fact]
    public void Begin_Nested_RestoresPreviousOnDispose()
    {
        var outer = Guid.NewGuid();
        var inner = Guid.NewGuid();

        using (DistributedTransactionContext.Begin(outer))
        {
            using (DistributedTransactionContext.Begin(inner))
            {
                Assert.Equal(inner, DistributedTransactionContext.Current?.TransactionId);
            }

            Assert.Equal(outer, DistributedTransactionContext.Current?.TransactionId);
        }

        Assert.Null(DistributedTransactionContext.Current);
    }

    [Fact]
    public async Task Begin_InsideAsyncMethod_DoesNotLeakToCaller()
    {
        var id = Guid.NewGuid();
        Guid? seenInside = null;

        async Task RunAsync()
        {
            await Task.Yield();
            DistributedTransactionContext.Current = new DistributedTransactionContext(id);
            await Task.Yield();
            seenInside = DistributedTransactionContext.Current?.TransactionId;
        }

        await RunAsync();

        Assert.Equal(id, seenInside);
        Assert.Null(DistributedTransactionContext.Current);
    }

    [Fact]
    public void Begin_EmptyId_Throws()
    {
        Assert.Throws<ArgumentException>(() => DistributedTransactionContext.Begin(Guid.Empty));
    }
}
