using TxCoordinator.Coordinator.Engine;

namespace TxCoordinator.Coordinator.Tests.Engine;

public sealed class ResendPolicyTests
{
    [Fact]
    public void From_Options_TakesTheResendSettings()
    {
        var options = new CoordinatorOptions
        {
            ResendInitialDelay = TimeSpan.FromMilliseconds(250),
            ResendMaxDelay = TimeSpan.FromSeconds(8),
            StuckAfterAttempts = 4,
        };

        Assert.Equal(new ResendPolicy(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(8), 4), ResendPolicy.From(options));
    }

    [Fact]
    public void From_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>("options", () => ResendPolicy.From(null!));
    }
}
