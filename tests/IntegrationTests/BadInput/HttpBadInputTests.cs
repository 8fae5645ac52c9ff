using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TxCoordinator.Contracts;
using TxCoordinator.IntegrationTests.Stack;

namespace TxCoordinator.IntegrationTests.BadInput;

/// <summary>
/// Requests the coordinator must refuse, sent to the real process: each answer has the exact status code, the
/// application/problem+json content type, and a title and detail that tell the caller what was wrong.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HttpBadInputTests(ServiceStack stack)
{
    private const string ProblemJson = "application/problem+json";

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("GET", "")]
    [InlineData("POST", "/commit")]
    [InlineData("POST", "/abort")]
    public async Task UnknownTransactionId_Answers404Problem(string method, string action)
    {
        Skip();
        var id = Guid.NewGuid();

        using var response = await SendAsync(new HttpMethod(method), $"transactions/{id}{action}");

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, "Transaction not found");
        Assert.Equal($"Transaction {id} does not exist.", problem.GetProperty("detail").GetString());
        Assert.Equal(id.ToString(), problem.GetProperty("transactionId").GetString());
    }

    [Fact]
    public async Task UnknownTransactionId_ClientAcceptsOnlyHtml_StillAnswers404ProblemJson()
    {
        Skip();
        var id = Guid.NewGuid();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(stack.CoordinatorUrl, $"transactions/{id}"));
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await stack.Http.SendAsync(request, Cancellation);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "Transaction not found");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/html")]
    public async Task UnknownOperationOnValidId_Answers404Problem(string? accept)
    {
        Skip();
        var tx = await stack.BeginAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(stack.CoordinatorUrl, $"transactions/{tx.Id}/launch"));
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await stack.Http.SendAsync(request, Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, "Not Found");
        Assert.Equal($"There is no POST /transactions/{tx.Id}/launch.", problem.GetProperty("detail").GetString());
        Assert.Equal(TransactionState.Active, (await stack.GetAsync(tx.Id)).State);
    }

    [Fact]
    public async Task Abort_NoBody_AbortsWithTheDefaultReason()
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await SendAsync(HttpMethod.Post, $"transactions/{tx.Id}/abort");

        var text = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200 but got {(int)response.StatusCode}: {text}");
        var view = await stack.GetAsync(tx.Id);
        Assert.Equal(TransactionState.Aborted, view.State);
        Assert.Equal("aborted by request", view.AbortReason);
    }

    [Fact]
    public async Task Commit_AbortedTransaction_Answers409WithStateAndReason()
    {
        Skip();
        var tx = await stack.BeginAsync();
        using (var abort = await PostJsonAsync($"transactions/{tx.Id}/abort", """{"reason":"customer cancelled"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, abort.StatusCode);
        }

        using var response = await SendAsync(HttpMethod.Post, $"transactions/{tx.Id}/commit");

        var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict, "Transaction state conflict");
        Assert.Equal("Aborted", problem.GetProperty("state").GetString());
        Assert.Equal("customer cancelled", problem.GetProperty("abortReason").GetString());
        Assert.Equal($"Transaction {tx.Id} is Aborted: customer cancelled", problem.GetProperty("detail").GetString());
        Assert.Equal(TransactionState.Aborted, (await stack.GetAsync(tx.Id)).State);
    }

    [Fact]
    public async Task Abort_CommittedTransaction_Answers409WithState()
    {
        Skip();
        var tx = await stack.BeginAsync();
        using (var commit = await stack.CommitAsync(tx.Id))
        {
            Assert.Equal(HttpStatusCode.OK, commit.StatusCode); // nothing enlisted: committed at once
        }

        using var response = await PostJsonAsync($"transactions/{tx.Id}/abort", """{"reason":"too late"}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.Conflict, "Transaction state conflict");
        Assert.Equal("Committed", problem.GetProperty("state").GetString());
        Assert.Equal($"Transaction {tx.Id} is Committed and can no longer be aborted.", problem.GetProperty("detail").GetString());
        Assert.Equal(TransactionState.Committed, (await stack.GetAsync(tx.Id)).State);
    }

    [Theory]
    [InlineData("{\"timeoutSeconds\": 5", "$.timeoutSeconds", "'5' is an invalid end of a number")]      // truncated
    [InlineData("not json at all", "$", "is an invalid JSON literal")]
    [InlineData("{\"timeoutSeconds\": \"ten\"}", "$.timeoutSeconds", "The JSON value could not be converted")]
    [InlineData("{\"metadata\": [1, 2]}", "$.metadata", "The JSON value could not be converted")]
    public async Task Begin_MalformedJson_Answers400WithTheReason(string body, string path, string reason)
    {
        Skip();

        using var response = await PostJsonAsync("transactions", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Malformed JSON body");
        Assert.Equal(path, problem.GetProperty("path").GetString());
        var detail = problem.GetProperty("detail").GetString();
        Assert.StartsWith("The request body is not valid JSON for this request: ", detail, StringComparison.Ordinal);
        Assert.Contains(reason, detail, StringComparison.Ordinal);
        Assert.Contains($"Path: {path} |", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"participantId\": \"inventory\", ", "$", "reached end of data")]     // truncated
    [InlineData("{\"participantId\": 42, \"endpoint\": \"q\"}", "$.participantId", "The JSON value could not be converted")]
    public async Task Enlist_MalformedJson_Answers400WithTheReason(string body, string path, string reason)
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await PostJsonAsync($"transactions/{tx.Id}/participants", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Malformed JSON body");
        Assert.Equal(path, problem.GetProperty("path").GetString());
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await stack.GetAsync(tx.Id)).Participants);
    }

    [Fact]
    public async Task Enlist_NoBody_Answers400SayingABodyIsRequired()
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await SendAsync(HttpMethod.Post, $"transactions/{tx.Id}/participants");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Missing request body");
        Assert.Equal($"A JSON body is required for POST /transactions/{tx.Id}/participants.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Enlist_TextBody_Answers415NamingTheExpectedContentType()
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await stack.Http.PostAsync(new Uri(stack.CoordinatorUrl, $"transactions/{tx.Id}/participants"),
            new StringContent("participantId=x", Encoding.UTF8, "text/plain"), Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type");
        Assert.Contains("Content-Type: application/json", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("601")]        // the coordinator's MaxTimeout is 10 minutes
    [InlineData("1e300")]
    public async Task Begin_TimeoutOutOfRange_Answers400NamingTheField(string timeoutSeconds)
    {
        Skip();

        using var response = await PostJsonAsync("transactions", $$"""{"timeoutSeconds": {{timeoutSeconds}}}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Invalid request");
        Assert.Equal("timeoutSeconds", problem.GetProperty("field").GetString());
        Assert.Contains("600 seconds", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "txc-participant-x", "participantId")]
    [InlineData("   ", "txc-participant-x", "participantId")]
    [InlineData(null, "txc-participant-x", "participantId")]
    [InlineData("Not Valid!", "txc-participant-x", "participantId")]
    [InlineData("x", "", "endpoint")]
    [InlineData("x", null, "endpoint")]
    [InlineData("x", "has spaces", "endpoint")]
    public async Task Enlist_InvalidParticipant_Answers400NamingTheField(string? participantId, string? endpoint, string field)
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await stack.Http.PostAsJsonAsync(
            new Uri(stack.CoordinatorUrl, $"transactions/{tx.Id}/participants"), new { participantId, endpoint }, Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Invalid request");
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.StartsWith(field + " must be", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await stack.GetAsync(tx.Id)).Participants);
    }

    [Fact]
    public async Task Enlist_VotingNo_Answers400NamingTheVote()
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await PostJsonAsync($"transactions/{tx.Id}/participants",
            """{"participantId": "x", "endpoint": "txc-participant-x", "vote": "No"}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Invalid request");
        Assert.Equal("vote", problem.GetProperty("field").GetString());
        Assert.StartsWith("vote must be Yes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty((await stack.GetAsync(tx.Id)).Participants);
    }

    [Fact]
    public async Task Enlist_UnknownVote_Answers400WithThePath()
    {
        Skip();
        var tx = await stack.BeginAsync();

        using var response = await PostJsonAsync($"transactions/{tx.Id}/participants",
            """{"participantId": "x", "endpoint": "txc-participant-x", "vote": "Maybe"}""");

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Malformed JSON body");
        Assert.Equal("$.vote", problem.GetProperty("path").GetString());
        Assert.Empty((await stack.GetAsync(tx.Id)).Participants);
    }

    [Fact]
    public async Task Enlist_VoteRepeatedThenContradicted_RepeatIsIdempotentContradictionAnswers409()
    {
        Skip();
        var tx = await stack.BeginAsync();
        // A real participant's queue: once the transaction aborts, the Yes voter must be told, and Inventory answers
        // (it holds nothing for the transaction) so that nothing is left unfinished for later tests.
        var yes = $$"""{"participantId": "inventory", "endpoint": "{{stack.InventoryEndpoint}}", "vote": "Yes"}""";
        (await PostJsonAsync($"transactions/{tx.Id}/participants", yes)).EnsureSuccessStatusCode();

        using var repeated = await PostJsonAsync($"transactions/{tx.Id}/participants", yes);
        using var contradicted = await PostJsonAsync($"transactions/{tx.Id}/participants",
            $$"""{"participantId": "inventory", "endpoint": "{{stack.InventoryEndpoint}}", "vote": "ReadOnly"}""");

        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var problem = await AssertProblemAsync(contradicted, HttpStatusCode.Conflict, "Transaction state conflict");
        Assert.Contains("has already voted Yes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(Vote.Yes, Assert.Single((await stack.GetAsync(tx.Id)).Participants).Vote);
        (await stack.AbortAsync(tx.Id)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(async () => (await stack.GetAsync(tx.Id)).State == TransactionState.Aborted,
            TimeSpan.FromSeconds(20), "Inventory acknowledged the abort");
    }

    [Theory]
    [InlineData("GET", "transactions/not-a-guid")]
    [InlineData("GET", "transactions/12345")]
    [InlineData("POST", "transactions/not-a-guid/commit")]
    [InlineData("POST", "transactions/not-a-guid/abort")]
    [InlineData("POST", "transactions/not-a-guid/participants")]
    public async Task NonGuidTransactionId_Answers400NamingTheField(string method, string path)
    {
        Skip();
        var id = path.Split('/')[1];
        // A valid body, so that only the id is wrong.
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(stack.CoordinatorUrl, path));
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { participantId = "x", endpoint = "txc-participant-x", reason = "r" });
        }

        using var response = await stack.Http.SendAsync(request, Cancellation);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "Invalid request");
        Assert.Equal("id", problem.GetProperty("field").GetString());
        Assert.Equal($"'{id}' is not a transaction id (a GUID is expected).", problem.GetProperty("detail").GetString());
    }

    private void Skip() => Assert.SkipWhen(stack.SkipReason is not null, stack.SkipReason ?? "");

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path) =>
        stack.Http.SendAsync(new HttpRequestMessage(method, new Uri(stack.CoordinatorUrl, path)), Cancellation);

    private Task<HttpResponseMessage> PostJsonAsync(string path, string body) =>
        stack.Http.PostAsync(new Uri(stack.CoordinatorUrl, path), new StringContent(body, Encoding.UTF8, "application/json"), Cancellation);

    /// <summary>Checks status, content type and the problem's own status and title; returns the problem for further checks.</summary>
    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        var body = await response.Content.ReadAsStringAsync(Cancellation);
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {body}");
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"The problem has no detail: {body}");
        return problem;
    }
}
