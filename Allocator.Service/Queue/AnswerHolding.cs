namespace Allocator.Service.Queue;

/// <summary>
/// Whether a committed answer may wait for the inventory source before it is stored (Kubernetes
/// mode holds answers until Kubernetes has the allocation, marked by a held marker). The source
/// that holds answers registers <c>new AnswerHolding(true)</c>; otherwise fronts never look for markers.
/// </summary>
public sealed record AnswerHolding(bool Possible);
