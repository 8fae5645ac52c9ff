using TxCoordinator.Cli;

// Exit codes: 0 done, 1 the coordinator refused (404, 409, 400 ...), 2 bad arguments, 3 no coordinator answered.
const string Usage = """
    usage: txc [--coordinator URL]... [--json] <command>

      status                                   replicas, leader, term, lag, and transaction counts
      tx list [--state S]... [--older-than T]  transactions, oldest first (T: 30s, 5m, 2h, 1d or 00:05:00)
              [--participant P] [--limit N] [--after CURSOR] [--order asc|desc]
      tx show ID                               one transaction: participants, votes, timeline
      tx abort ID --reason R [--operator O]    heuristic abort of an Active or Preparing transaction
                                               (refused once a decision is durable); O defaults to your user name

    Coordinator addresses: --coordinator (repeatable) or TXC_COORDINATOR_URLS (comma-separated); any replica will
    do, the next is tried when one does not answer.
    """;

try
{
    var line = CommandLine.Parse(args);
    if (line.Has("help") || line.Words.Count == 0)
    {
        Console.WriteLine(Usage);
        return line.Has("help") ? 0 : 2;
    }

    var urls = CoordinatorClient.ResolveUrls(line.All("coordinator"), Environment.GetEnvironmentVariable(CoordinatorClient.UrlsVariable));
    using var http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) }) { Timeout = TimeSpan.FromSeconds(30) };
    var commands = new Commands(new CoordinatorClient(urls, http), Console.Out, line.Has("json"));
    using var cancel = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
    switch (line.Words)
    {
        case ["status"]:
            line.AllowOnly();
            await commands.StatusAsync(cancel.Token);
            break;
        case ["tx", "list"]:
            line.AllowOnly("state", "older-than", "participant", "limit", "after", "order");
            await commands.ListAsync(line, cancel.Token);
            break;
        case ["tx", "show", var id]:
            line.AllowOnly();
            await commands.ShowAsync(id, cancel.Token);
            break;
        case ["tx", "abort", var id]:
            line.AllowOnly("reason", "operator");
            var reason = line.One("reason") ?? throw new UsageException("tx abort needs --reason.");
            await commands.AbortAsync(id, reason, line.One("operator") ?? Environment.UserName, cancel.Token);
            break;
        default:
            throw new UsageException($"unknown command '{string.Join(' ', line.Words)}'.");
    }

    return 0;
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"txc: {ex.Message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
catch (CoordinatorUnreachableException ex)
{
    Console.Error.WriteLine($"txc: {ex.Message}");
    return 3;
}
catch (RefusedException ex)
{
    Console.Error.WriteLine($"txc: {ex.Message}");
    return 1;
}
