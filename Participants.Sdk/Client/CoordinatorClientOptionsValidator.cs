using Microsoft.Extensions.Options;

namespace TxCoordinator.Participants.Client;

internal sealed class CoordinatorClientOptionsValidator : IValidateOptions<CoordinatorClientOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinatorClientOptions options)
    {
        var invalid = options.Urls.Where(u => u is null || !u.IsAbsoluteUri || u.Scheme is not ("http" or "https")).ToList();
        return invalid.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Urls must hold absolute http(s) URLs; not: {string.Join(", ", invalid)}.");
    }
}
