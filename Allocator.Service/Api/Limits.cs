namespace Allocator.Service.Api;

/// <summary>Bounds on request size, enforced before anything is queued.</summary>
public static class Limits
{
    /// <summary>Largest gRPC message or REST body accepted.</summary>
    public const int MaxMessageBytes = 1024 * 1024;
    public const int MaxSelectors = 16;
    public const int MaxPriorities = 16;
    public const int MaxCounters = 16;
    public const int MaxLists = 16;
    public const int MaxLabels = 64;
    public const int MaxExpressions = 32;
    public const int MaxListValues = 1000;
    /// <summary>Default of <c>Allocator:ListMaxItems</c>: Agones' <c>gameservers.lists.maxItems</c>.</summary>
    public const int DefaultListMaxItems = 1000;
    public const int MaxKeyLength = 63;
    public const int MaxValueLength = 256;
    public const int MaxAnnotationValueLength = 4096;
    /// <summary>All annotation keys and values of one request (Kubernetes allows 256 KiB per object, all annotations together).</summary>
    public const int MaxAnnotationBytes = 64 * 1024;
    public const int MaxRequestIdLength = 128;
}
