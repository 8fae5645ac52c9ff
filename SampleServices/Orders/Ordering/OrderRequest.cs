namespace TxCoordinator.Samples.Orders.Ordering;

/// <summary>Body of <c>POST /orders</c>; orderId is generated when absent.</summary>
public sealed record OrderRequest(Guid? OrderId, string? CustomerId, string? Sku, int Quantity, decimal Amount, string? CardNumber)
{
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (OrderId == Guid.Empty)
        {
            errors["orderId"] = ["orderId must be a non-empty GUID when given."];
        }

        if (string.IsNullOrWhiteSpace(CustomerId) || CustomerId.Length > 64)
        {
            errors["customerId"] = ["customerId is required (at most 64 characters)."];
        }

        if (string.IsNullOrWhiteSpace(Sku) || Sku.Length > 64)
        {
            errors["sku"] = ["sku is required (at most 64 characters)."];
        }

        if (Quantity is < 1 or > 1_000_000)
        {
            errors["quantity"] = ["quantity must be between 1 and 1000000."];
        }

        if (Amount <= 0 || Amount > 1_000_000_000m || decimal.Round(Amount, 2) != Amount)
        {
            errors["amount"] = ["amount must be positive, at most 1000000000, with at most two decimals."];
        }

        if (CardNumber is null || CardNumber.Length is < 12 or > 19 || !CardNumber.All(char.IsAsciiDigit))
        {
            errors["cardNumber"] = ["cardNumber must be 12 to 19 digits."];
        }

        return errors;
    }
}

/// <summary>Answer of <c>POST /orders</c>: outcome is "Committed" or "Aborted" (with the reason).</summary>
public sealed record OrderResult(Guid OrderId, Guid TransactionId, string Outcome, string? Reason);
