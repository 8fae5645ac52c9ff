namespace TxCoordinator.Samples.Payments.Charges;

/// <summary>Body of <c>POST /charges</c>.</summary>
public sealed record ChargeRequest(Guid OrderId, string? CustomerId, decimal Amount, string? CardNumber)
{
    public const int MaxCustomerIdLength = 64;

    /// <summary>The test card that is always declined.</summary>
    public const string DeclinedCard = "4000000000000002";

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (OrderId == Guid.Empty)
        {
            errors["orderId"] = ["orderId is required and must be a non-empty GUID."];
        }

        if (string.IsNullOrWhiteSpace(CustomerId) || CustomerId.Length > MaxCustomerIdLength)
        {
            errors["customerId"] = [$"customerId is required and must be at most {MaxCustomerIdLength} characters."];
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

/// <summary>Answer of a successful charge.</summary>
public sealed record ChargeResponse(Guid OrderId, Guid TransactionId, string CustomerId, decimal Amount);
