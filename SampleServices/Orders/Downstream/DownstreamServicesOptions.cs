using System.ComponentModel.DataAnnotations;

namespace TxCoordinator.Samples.Orders.Downstream;

/// <summary>Base addresses of the participant services (section "Services").</summary>
public sealed class DownstreamServicesOptions
{
    public const string SectionName = "Services";

    [Required(ErrorMessage = "Services:Inventory (the Inventory service's base URL) is required.")]
    public Uri? Inventory { get; set; }

    [Required(ErrorMessage = "Services:Payments (the Payments service's base URL) is required.")]
    public Uri? Payments { get; set; }

    /// <summary>Timeout of one call to a participant service.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
