using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real browser: headless Chromium from Debian's package, driven by Playwright with its
/// executable path set (never a downloaded browser), while orders flow and 10,000 older transactions fill the store.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DashboardTests(ServiceStack stack)
{
    /// <summary>Chromium to drive; scripts/test.sh installs Debian's package when it is missing.</summary>
    public const string ChromiumVariable = "TXC_CHROMIUM";

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Dashboard_DuringAWorkload_ShowsInFlightAndCommittedTransactionsAndATimeline()
    {
        Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");
        var chromium = Environment.GetEnvironmentVariable(ChromiumVariable) ?? "/usr/bin/chromium";
        Assert.True(File.Exists(chromium), $"Chromium not found at {chromium}: install Debian's chromium package or set {ChromiumVariable}.");
        var cancel = TestContext.Current.CancellationToken;
        await SeedFinishedTransactionsAsync(10_000);

        // One transaction held in flight: its fake participant never acknowledges the Commit.
        await using var fake = await FakeParticipant.StartAsync(stack.RabbitMq, stack.CoordinatorQueue, cancel);
        fake.Acknowledge = false;
        var sku = "sku-" + Guid.NewGuid().ToString("N")[..10];
        var customer = "cust-" + Guid.NewGuid().ToString("N")[..10];
        await stack.Data.SeedStockAsync(sku, 1_000);
        await stack.Data.SeedWalletAsync(customer, 100_000m);
        var held = await stack.BeginAsync(timeoutSeconds: 60);
        (await stack.ReserveAsync(held.Id, Guid.NewGuid(), sku, 1)).EnsureSuccessStatusCode();
        (await stack.EnlistAsync(held.Id, fake.ParticipantId, fake.Endpoint)).EnsureSuccessStatusCode();
        (await stack.CommitAsync(held.Id)).EnsureSuccessStatusCode();

        using var workload = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var orders = PlaceOrdersAsync(sku, customer, workload.Token);
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new()
            {
                ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-gpu"],
            });
            var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 1100 } });
            var loading = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(stack.CoordinatorUrl, "dashboard").ToString());
            await page.WaitForFunctionAsync("() => Number(document.body.dataset.refreshed || 0) >= 1", null, new() { Timeout = 10_000 });
            var firstRefresh = loading.Elapsed;

            // 10,000 finished transactions in the store do not slow the page: lists are paged on the server.
            Assert.True(firstRefresh < TimeSpan.FromSeconds(5), $"first refresh took {firstRefresh}");
            Assert.DoesNotContain("partly stale", await page.InnerTextAsync("#status"), StringComparison.Ordinal);
            await page.WaitForSelectorAsync($"#inflight tr[data-id='{held.Id}']", new() { Timeout = 15_000 });
            await page.WaitForSelectorAsync("#recent .Committed", new() { Timeout = 15_000 });
            Assert.Contains("Committing", await page.InnerTextAsync($"#inflight tr[data-id='{held.Id}']"), StringComparison.Ordinal);
            var summary = await page.InnerTextAsync("#summary");
            Assert.Matches(@"Committed\s+(\d{5,})", summary); // the seeded ten thousand, and more

            await page.ClickAsync($"#inflight tr[data-id='{held.Id}']");
            await page.WaitForSelectorAsync("#timeline li[data-event='decided']", new() { Timeout = 10_000 });
            var timeline = await page.InnerTextAsync("#timeline");
            Assert.Contains("created", timeline, StringComparison.Ordinal);
            Assert.Contains(fake.ParticipantId, timeline, StringComparison.Ordinal);
            Assert.Equal(held.Id.ToString(), await page.InnerTextAsync("#detail-id"));

            var screenshot = Path.Combine(SolutionPaths.RepositoryRoot, "TestResults", "dashboard.png");
            Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
            await page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
            Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot is not empty");
        }
        finally
        {
            await workload.CancelAsync();
            await orders;
            fake.Acknowledge = true;
        }

        // Leave nothing in doubt for the tests that follow.
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(held.Id)).State == TransactionState.Committed, Settle,
            "the held transaction completed once its participant answered");
    }

    private async Task PlaceOrdersAsync(string sku, string customer, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await stack.Http.PostAsJsonAsync(new Uri(stack.OrdersUrl, "orders"), new
                {
                    orderId = Guid.NewGuid(), customerId = customer, sku, quantity = 1, amount = 1m, cardNumber = "4242424242424242",
                }, cancellationToken);
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    // Older than anything the test runs, yet finished well within Coordinator:FinishedRetention (1 day): seeded a day
    // back, the purger deleted them all as it happened to run during the test, and the summary no longer counted them.
    private async Task SeedFinishedTransactionsAsync(int count)
    {
        await using var connection = new NpgsqlConnection(stack.CoordinatorDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            INSERT INTO transactions (id, state, created_at, deadline, decided_at, completed_at, abort_reason, one_phase, metadata, revision)
            SELECT gen_random_uuid(), 'Committed', t, t + interval '30 seconds', t + interval '1 second', t + interval '2 seconds',
                   NULL, false, '{}'::jsonb, 4
            FROM (SELECT now() - interval '3 hours' - make_interval(secs => i) AS t FROM generate_series(1, @count) AS i) AS times
            """, connection);
        command.Parameters.AddWithValue("count", count);
        Assert.Equal(count, await command.ExecuteNonQueryAsync());
    }
}
