using Microsoft.Extensions.Options;

namespace TxCoordinator.Participants.Participation;

/// <summary>Checks what data annotations cannot: absolute coordinator URLs and a usable connection string.</summary>
internal sealed class ParticipantOptionsValidator : IValidateOptions<ParticipantOptions>
{
    public ValidateOptionsResult Validate(string? name, ParticipantOptions options)
    {
        var failures = new List<string>();
        foreach (var url in options.CoordinatorUrls)
        {
            if (url is null || !url.IsAbsoluteUri || url.Scheme is not ("http" or "https"))
            {
                failures.Add($"CoordinatorUrls must hold absolute http(s) URLs; '{url}' is not one.");
            }
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"ConnectionString is not a valid Npgsql connection string: {ex.Message}");
            }
        }

        if (options.EndpointName is { } endpoint && (endpoint.Length is 0 or > 200 || endpoint.Any(char.IsWhiteSpace)))
        {
            failures.Add("EndpointName must be 1 to 200 characters without white space.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
