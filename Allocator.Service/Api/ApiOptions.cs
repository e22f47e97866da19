namespace Allocator.Service.Api;

/// <summary>The gRPC/REST front (section <c>Allocator</c>).</summary>
public sealed class ApiOptions
{
    /// <summary>gRPC server reflection, so grpcurl and buf curl work without the proto files.</summary>
    public bool Reflection { get; set; } = true;
}
