using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace TxCoordinator.Coordinator.Api;

/// <summary>
/// Writes the answers ASP.NET gives by itself, with a status code and no body (no such route, wrong method, wrong
/// content type), as problem+json with a detail naming the request, whatever the request's Accept header says.
/// </summary>
internal static class RoutingProblems
{
    /// <summary>A status code pages handler.</summary>
    public static Task WriteAsync(StatusCodeContext context)
    {
        var httpContext = context.HttpContext;
        var request = httpContext.Request;
        var status = httpContext.Response.StatusCode;
        var problem = new ProblemDetails
        {
            Status = status,
            Detail = status switch
            {
                StatusCodes.Status404NotFound => $"There is no {request.Method} {request.Path}.",
                StatusCodes.Status405MethodNotAllowed => $"{request.Path} does not take {request.Method}.",
                StatusCodes.Status415UnsupportedMediaType =>
                    $"{request.Method} {request.Path} takes a JSON body (Content-Type: application/json), not '{request.ContentType}'.",
                _ => null,
            },
        };
        return TypedResults.Problem(problem).ExecuteAsync(httpContext);
    }
}
