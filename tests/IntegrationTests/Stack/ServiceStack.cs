using System.Net.Http.Json;
using Npgsql;
using TxCoordinator.Contracts;
using TxCoordinator.TestInfrastructure;

namespace TxCoordinator.IntegrationTests.Stack;

/// <summary>
/// The real thing, as separate processes: coordinator, Inventory, Payments and Orders on fresh databases and
/// private queue names (so other test assemblies sharing the broker never see our messages).
/// </summary>
public sealed class ServiceStack : IAsyncLifetime
{
    private readonly PostgresServer _postgres = new();
    private readonly RabbitMqServer _rabbitMq = new();
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, ProcessHost> _processes = [];
    private readonly Dictionary<string, (string Dll, Dictionary<string, string> Environment, Uri Url)> _definitions = [];

    public Uri CoordinatorUrl { get; private set; } = null!;
    public Uri InventoryUrl { get; private set; } = null!;
    public Uri PaymentsUrl { get; private set; } = null!;
    public Uri OrdersUrl { get; private set; } = null!;
    public Uri RabbitMq => _rabbitMq.Uri;

    /// <summary>The broker itself, to inspect queues or put raw bytes into them.</summary>
    public RabbitMqServer Broker => _rabbitMq;

    public string CoordinatorQueue => $"txc-coordinator-{_suffix}";
    public string InventoryEndpoint => $"txc-participant-inventory-{_suffix}";
    public string PaymentsEndpoint => $"txc-participant-payments-{_suffix}";
    public string CoordinatorDatabase { get; private set; } = null!;
    public string InventoryDatabase { get; private set; } = null!;
    public string PaymentsDatabase { get; private set; } = null!;
    public SampleData Data { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public string? SkipReason { get; private set; }

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _rabbitMq.InitializeAsync();
        SkipReason = _postgres.SkipReason ?? _rabbitMq.SkipReason;
        if (SkipReason is not null)
        {
            return;
        }

        CoordinatorDatabase = await _postgres.CreateDatabaseAsync("itcoord");
        InventoryDatabase = await _postgres.CreateDatabaseAsync("itinv");
        PaymentsDatabase = await _postgres.CreateDatabaseAsync("itpay");
        Data = new SampleData(InventoryDatabase, PaymentsDatabase);

        CoordinatorUrl = Define("coordinator", "Coordinator", "TxCoordinator.Coordinator.dll", new()
        {
            ["ConnectionStrings__Coordinator"] = CoordinatorDatabase,
            ["Coordinator__ApplyMigrationsOnStartup"] = "true",
            ["Coordinator__QueueName"] = CoordinatorQueue,
            ["Coordinator__SweepInterval"] = "00:00:00.200",
            ["Coordinator__ResendInitialDelay"] = "00:00:00.500",
            ["Coordinator__ResendMaxDelay"] = "00:00:02",
        });
        InventoryUrl = Define("inventory", "SampleServices/Inventory", "TxCoordinator.Samples.Inventory.dll", Participant("Inventory", InventoryDatabase, InventoryEndpoint));
        PaymentsUrl = Define("payments", "SampleServices/Payments", "TxCoordinator.Samples.Payments.dll", Participant("Payments", PaymentsDatabase, PaymentsEndpoint));
        OrdersUrl = Define("orders", "SampleServices/Orders", "TxCoordinator.Samples.Orders.dll", new()
        {
            ["TransactionCoordinator__Urls__0"] = CoordinatorUrl.ToString(),
            ["Services__Inventory"] = InventoryUrl.ToString(),
            ["Services__Payments"] = PaymentsUrl.ToString(),
        });

        // The coordinator first: it creates its schema, and participants enlist with it.
        await StartAsync("coordinator");
        await Task.WhenAll(StartAsync("inventory"), StartAsync("payments"), StartAsync("orders"));
    }

    private Dictionary<string, string> Participant(string name, string database, string endpoint) => new()
    {
        [$"ConnectionStrings__{name}"] = database,
        ["TransactionParticipant__CoordinatorUrls__0"] = CoordinatorUrl.ToString(),
        ["TransactionParticipant__EndpointName"] = endpoint,
        ["TransactionParticipant__CoordinatorQueue"] = CoordinatorQueue,
        ["TransactionParticipant__RecoveryInterval"] = "00:00:01",
    };

    private Uri Define(string name, string projectDirectory, string dll, Dictionary<string, string> environment)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        environment["ConnectionStrings__RabbitMq"] = RabbitMq.ToString();
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__TxCoordinator"] = "Information";
        _definitions[name] = (SolutionPaths.ProjectOutput(projectDirectory, dll), environment, url);
        return url;
    }

    public async Task StartAsync(string name)
    {
        if (_processes.TryGetValue(name, out var previous))
        {
            await SaveLogAsync(name, previous);
        }

        var (dll, environment, url) = _definitions[name];
        var host = ProcessHost.Start(dll, ["--urls", url.ToString().TrimEnd('/')], environment);
        _processes[name] = host;
        await host.WaitForHttpAsync(new Uri(url, "health/ready"), TimeSpan.FromSeconds(60));
    }

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash.</summary>
    public async Task KillAsync(string name)
    {
        await _processes[name].KillAsync();
    }

    /// <summary>Whether the named process is alive (it has not crashed or been killed).</summary>
    public bool IsRunning(string name) => _processes.TryGetValue(name, out var host) && !host.HasExited;

    public void Pause(string name) => _processes[name].Pause();

    public void Resume(string name) => _processes[name].Resume();

    public async Task<TransactionView> BeginAsync(double timeoutSeconds = 10)
    {
        var response = await Http.PostAsJsonAsync(new Uri(CoordinatorUrl, "transactions"), new BeginTransactionRequest(timeoutSeconds));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TransactionView>())!;
    }

    public async Task<TransactionView> GetAsync(Guid transactionId) =>
        (await Http.GetFromJsonAsync<TransactionView>(new Uri(CoordinatorUrl, $"transactions/{transactionId}")))!;

    public Task<HttpResponseMessage> CommitAsync(Guid transactionId) =>
        Http.PostAsync(new Uri(CoordinatorUrl, $"transactions/{transactionId}/commit"), null);

    public Task<HttpResponseMessage> EnlistAsync(Guid transactionId, string participantId, string endpoint) =>
        Http.PostAsJsonAsync(new Uri(CoordinatorUrl, $"transactions/{transactionId}/participants"), new EnlistRequest(participantId, endpoint));

    public Task<HttpResponseMessage> ReserveAsync(Guid transactionId, Guid orderId, string sku, int quantity) =>
        SendWithTransactionAsync(new Uri(InventoryUrl, "reservations"), transactionId, new { orderId, sku, quantity });

    public Task<HttpResponseMessage> ChargeAsync(Guid transactionId, Guid orderId, string customerId, decimal amount, string cardNumber = "4242424242424242") =>
        SendWithTransactionAsync(new Uri(PaymentsUrl, "charges"), transactionId, new { orderId, customerId, amount, cardNumber });

    private Task<HttpResponseMessage> SendWithTransactionAsync(Uri uri, Guid transactionId, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(body) };
        request.Headers.Add(TransactionHeaders.TransactionId, transactionId.ToString());
        return Http.SendAsync(request);
    }

    public async Task<long> UnfinishedTransactionsAsync()
    {
        await using var connection = new NpgsqlConnection(CoordinatorDatabase);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM transactions WHERE state NOT IN ('Committed', 'Aborted')", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Where each process's output is kept after the run, for diagnosing a failure.</summary>
    public string LogDirectory => Path.Combine(Path.GetTempPath(), $"txc-integration-{_suffix}");

    private async Task SaveLogAsync(string name, ProcessHost host)
    {
        Directory.CreateDirectory(LogDirectory);
        await File.AppendAllTextAsync(Path.Combine(LogDirectory, $"{name}.log"), host.Output);
    }

    public string LogsOf(string name) => _processes.TryGetValue(name, out var host) ? host.Output : "";

    public async ValueTask DisposeAsync()
    {
        foreach (var (name, host) in _processes)
        {
            await host.DisposeAsync();
            await SaveLogAsync(name, host);
        }

        Http.Dispose();
        await _rabbitMq.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
