using Grpc.Core;

namespace Allocator.Service.MultiCluster;

/// <summary>What one cluster answered a multi-cluster allocation that it did not allocate.</summary>
/// <param name="Where"><c>local</c>, or the endpoint called last.</param>
public sealed record ClusterAnswer(AllocationPolicy Policy, string Where, StatusCode Code, string Message)
{
    public string ClusterName => Policy.Connection.ClusterName.Length > 0 ? Policy.Connection.ClusterName : "(unnamed)";

    public override string ToString() => $"cluster {ClusterName} ({Where}, policy {Policy.Name}): {Code}: {Message}";
}

/// <summary>
/// The answers of every cluster tried, made into the caller's final error: its message names each
/// cluster and what it answered, in the order they were tried. The code says what the caller can
/// do: DEADLINE_EXCEEDED when its deadline came before every cluster was tried, UNAVAILABLE when
/// one could not be reached or answer in time (retry soon), RESOURCE_EXHAUSTED when one was full
/// and none unreachable (retry later), otherwise the first cluster's code.
/// </summary>
public sealed class ClusterAnswers(string ns)
{
    private readonly List<ClusterAnswer> _answers = [];
    private readonly List<AllocationPolicy> _notTried = [];

    public IReadOnlyList<ClusterAnswer> Answers => _answers;

    public void Add(ClusterAnswer answer) => _answers.Add(answer);

    /// <summary>A cluster left untried because the caller's deadline came first.</summary>
    public void NotTried(AllocationPolicy policy) => _notTried.Add(policy);

    public RpcException ToException()
    {
        var code = _answers.Count == 0 || _notTried.Count > 0 ? StatusCode.DeadlineExceeded
            : _answers.Any(a => a.Code is StatusCode.Unavailable or StatusCode.DeadlineExceeded) ? StatusCode.Unavailable
            : _answers.Any(a => a.Code == StatusCode.ResourceExhausted) ? StatusCode.ResourceExhausted
            : _answers[0].Code;
        var parts = _answers.Select(a => a.ToString()).ToList();
        if (_notTried.Count > 0)
        {
            parts.Add("not tried before the deadline: " + string.Join(", ", _notTried.Select(p => $"cluster {p.Connection.ClusterName} (policy {p.Name})")));
        }

        return new RpcException(new Status(code, $"multi-cluster allocation in namespace {ns}: no cluster allocated; {string.Join("; ", parts)}"));
    }
}
