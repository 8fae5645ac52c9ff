namespace TxCoordinator.Bench.Saga;

/// <summary>A business refusal (sold out, declined card): the routing slip faults and compensates.</summary>
public sealed class OrderRefusedException(string reason) : Exception(reason);
