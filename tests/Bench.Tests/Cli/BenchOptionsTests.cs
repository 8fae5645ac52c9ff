using TxCoordinator.Bench.Cli;

namespace TxCoordinator.Bench.Tests.Cli;

public sealed class BenchOptionsTests
{
    private const string Db = "Host=127.0.0.1;Port=5432;Username=postgres;Database=inventory";

    [Fact]
    public void Parse_FloorWithDefaults_ClosedLoopAt32()
    {
        var options = BenchOptions.Parse(["floor", "--inventory-db", Db, "--payments-db", Db]);

        Assert.Equal("floor", options.Mode.Name);
        Assert.Equal(32, options.Concurrency);
        Assert.Null(options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Duration);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Warmup);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-4")]
    [InlineData("abc")]
    [InlineData("5000")]
    public void Parse_ConcurrencyOutOfRange_Refused(string concurrency)
    {
        var ex = Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["floor", "--inventory-db", Db, "--payments-db", Db, "--concurrency", concurrency]));

        Assert.Contains("--concurrency", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownMode_RefusedWithTheModes()
    {
        var ex = Assert.Throws<OptionsException>(() => BenchOptions.Parse(["florr"]));

        Assert.Contains("unknown mode 'florr'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("saga", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OptionOfAnotherMode_Refused()
    {
        var ex = Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["bus", "--rabbitmq", "amqp://guest:guest@127.0.0.1:5672/", "--payload", "100"]));

        Assert.Contains("does not take option '--payload'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingRequiredOption_SaysWhich()
    {
        var ex = Assert.Throws<OptionsException>(() => BenchOptions.Parse(["saga", "--rabbitmq", "amqp://127.0.0.1/"]));

        Assert.Contains("--inventory-db", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RateAndConcurrency_Refused()
    {
        Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["floor", "--inventory-db", Db, "--payments-db", Db, "--rate", "100", "--concurrency", "8"]));
    }

    [Fact]
    public void Parse_Rate_OpenLoop()
    {
        var options = BenchOptions.Parse(["floor", "--inventory-db", Db, "--payments-db", Db, "--rate", "250.5"]);

        Assert.Equal(250.5, options.Rate);
    }

    [Theory]
    [InlineData("--rabbitmq", "http://127.0.0.1/")]
    [InlineData("--client", "grpc")]
    public void Parse_BadBusValue_Refused(string option, string value)
    {
        var args = new List<string> { "bus", "--rabbitmq", "amqp://127.0.0.1/" };
        if (option == "--rabbitmq")
        {
            args[2] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        Assert.Throws<OptionsException>(() => BenchOptions.Parse(args));
    }

    [Theory]
    [InlineData(null, "mt")]
    [InlineData("mt-transient", "mt-transient")]
    [InlineData("raw", "raw")]
    public void Parse_BusClient(string? value, string expected)
    {
        var args = new List<string> { "bus", "--rabbitmq", "amqp://127.0.0.1/" };
        if (value is not null)
        {
            args.AddRange(["--client", value]);
        }

        Assert.Equal(expected, BenchOptions.Parse(args).Client);
    }

    [Fact]
    public void Parse_ConnectionStringWithoutDatabase_Refused()
    {
        var ex = Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["floor", "--inventory-db", "Host=127.0.0.1", "--payments-db", Db]));

        Assert.Contains("Database", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ParticipantUrls_ListInOrder()
    {
        var options = BenchOptions.Parse([
            "participants", "--coordinator-url", "http://127.0.0.1:5000", "--participant-urls", "http://127.0.0.1:1,http://127.0.0.1:2",
            "--payload", "10240",
        ]);

        Assert.Equal([new Uri("http://127.0.0.1:1"), new Uri("http://127.0.0.1:2")], options.ParticipantUrls);
        Assert.Equal(10240, options.PayloadBytes);
    }

    [Fact]
    public void Parse_ChainOrders_TakesTheParticipantsAddresses()
    {
        var options = BenchOptions.Parse(["chain-serve", "--role", "orders", "--urls", "http://127.0.0.1:5000",
            "--inventory-url", "http://127.0.0.1:5001", "--payments-url", "http://127.0.0.1:5002"]);

        Assert.Equal("orders", options.Role);
        Assert.Equal(new Uri("http://127.0.0.1:5001"), options.InventoryUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5002"), options.PaymentsUrl);
    }

    [Theory]
    [InlineData(new[] { "--role", "orders", "--inventory-url", "http://127.0.0.1:5001" }, "--role orders needs --inventory-url and --payments-url")]
    [InlineData(new[] { "--role", "inventory" }, "--role inventory needs --db")]
    [InlineData(new[] { "--role", "payments", "--db", Db, "--payments-url", "http://127.0.0.1:5002" }, "--role payments takes no --inventory-url")]
    [InlineData(new[] { "--role", "orders", "--db", Db, "--inventory-url", "http://127.0.0.1:5001", "--payments-url", "http://127.0.0.1:5002" }, "--role orders takes no --db")]
    [InlineData(new[] { "--role", "shipping", "--db", Db }, "--role must be one of orders, inventory, payments, not 'shipping'")]
    public void Parse_ChainRoleWithoutItsOptions_Refused(string[] roleOptions, string message)
    {
        var ex = Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["chain-serve", "--urls", "http://127.0.0.1:5000", .. roleOptions]));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OptionGivenTwice_Refused()
    {
        Assert.Throws<OptionsException>(() =>
            BenchOptions.Parse(["floor", "--inventory-db", Db, "--payments-db", Db, "--duration", "5", "--duration", "6"]));
    }

    [Fact]
    public void ParseWatch_NamesWithSeveralSessions()
    {
        var watched = BenchOptions.ParseWatch("postgres=10,participants=11+12+13");

        Assert.Equal("postgres", watched[0].Name);
        Assert.Equal([10], watched[0].Pids);
        Assert.Equal([11, 12, 13], watched[1].Pids);
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("postgres=abc")]
    [InlineData("postgres=0")]
    [InlineData("a=1,a=2")]
    public void ParseWatch_Malformed_Refused(string text)
    {
        Assert.Throws<OptionsException>(() => BenchOptions.ParseWatch(text));
    }
}
