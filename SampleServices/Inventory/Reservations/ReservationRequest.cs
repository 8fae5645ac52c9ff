namespace TxCoordinator.Samples.Inventory.Reservations;

/// <summary>Body of <c>POST /reservations</c>.</summary>
public sealed record ReservationRequest(Guid OrderId, string? Sku, int Quantity)
{
    public const int MaxSkuLength = 64;

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (OrderId == Guid.Empty)
        {
            errors["orderId"] = ["orderId is required and must be a non-empty GUID."];
        }

        if (string.IsNullOrWhiteSpace(Sku) || Sku.Length > MaxSkuLength)
        {
            errors["sku"] = [$"sku is required and must be at most {MaxSkuLength} characters."];
        }

        if (Quantity is < 1 or > 1_000_000)
        {
            errors["quantity"] = ["quantity must be between 1 and 1000000."];
        }

        return errors;
    }
}

/// <summary>Answer of a successful reservation.</summary>
public sealed record ReservationResponse(Guid OrderId, Guid TransactionId, string Sku, int Quantity);
