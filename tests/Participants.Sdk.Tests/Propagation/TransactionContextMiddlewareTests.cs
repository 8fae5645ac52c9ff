using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TxCoordinator.Contracts;
using TxCoordinator.Participants.Propagation;

namespace TxCoordinator.Participants.Sdk.Tests.Propagation;

public sealed class TransactionContextMiddlewareTests
{
    private static DefaultHttpContext CreateContext(string? header)
    {
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Response.Body = new MemoryStream();
        if (header is not null)
        {
            context.Request.Headers[TransactionHeaders.TransactionId] = header;
        }

        return context;
    }

    private static async Task<(Guid? Seen, bool Called)> InvokeAsync(HttpContext context)
    {
        Guid? seen = null;
        var called = false;
        var middleware = new TransactionContextMiddleware(
            _ =>
            {
                called = true;
                seen = DistributedTransactionContext.Current?.TransactionId;
                return Task.CompletedTask;
            },
            NullLogger<TransactionContextMiddleware>.Instance);
        await middleware.InvokeAsync(context);
        return (seen, called);
    }

    [Fact]
    public async Task InvokeAsync_ValidHeader_SetsCurrentForTheRestOfThePipeline()
    {
        var id = Guid.NewGuid();
        var context = CreateContext(id.ToString());

        var (seen, called) = await InvokeAsync(context);

        Assert.True(called);
        Assert.Equal(id, seen);
        Assert.Null(DistributedTransactionContext.Current);
    }

    [Fact]
    public async Task InvokeAsync_NoHeader_LeavesCurrentEmpty()
    {
        var (seen, called) = await InvokeAsync(CreateContext(null));

        Assert.True(called);
        Assert.Null(seen);
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("")]
    public async Task InvokeAsync_InvalidHeader_Returns400ProblemJson(string header)
    {
        var context = CreateContext(header);

        var (_, called) = await InvokeAsync(context);

        Assert.False(called);
        Assert.Equal(StatusCodes.Status400BadRequest, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        context.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(context.Response.Body, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("Invalid transaction header", problem.RootElement.GetProperty("title").GetString());
    }
}
