namespace Allocator.Service.Api;

/// <summary>The gRPC/REST front (section <c>Allocator</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>gRPC server reflection, so grpcurl and buf curl work without the proto files.</summary>
    public bool Reflection { get; set; } = true;

    /// <summary>
    /// The largest list capacity a request or a game server may have: the GameServer CRD's
    /// <c>maxItems</c> on lists (Agones' Helm value <c>gameservers.lists.maxItems</c>), so that
    /// nothing is decided that the Kubernetes API server would refuse to write back.
    /// </summary>
    public int ListMaxItems { get; set; } = Limits.DefaultListMaxItems;
}

public sealed class ApiOptionsValidator : SettingsValidator<ApiOptions>
{
    public override IEnumerable<string> Problems(ApiOptions o)
    {
        if (o.ListMaxItems is < 0 or > Allocation.AllocationActions.MaxListCapacity)
            yield return $"Allocator:ListMaxItems must be between 0 and {Allocation.AllocationActions.MaxListCapacity}.";
    }
}
