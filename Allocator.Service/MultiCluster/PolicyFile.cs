using System.Text.Json;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// Stand-alone policies: <c>MultiCluster:PolicyFile</c>, a JSON <c>GameServerAllocationPolicyList</c>
/// (what <c>kubectl get gameserverallocationpolicies -o json</c> prints) or a JSON array of
/// policies. Read at start (a broken file stops the replica) and again when it changes, checked at
/// most once a second; a broken new version keeps the last good one.
/// </summary>
public sealed class PolicyFile(string path, TimeProvider time, ILogger<PolicyFile> log) : IPolicyCatalog
{
    private readonly Lock _lock = new();
    private IReadOnlyList<AllocationPolicy> _policies = [];
    private DateTime _written;
    private DateTimeOffset _nextCheck;
    private bool _loaded;

    public Task<IReadOnlyList<AllocationPolicy>> InNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        Refresh();
        return Task.FromResult<IReadOnlyList<AllocationPolicy>>([.. _policies.Where(p => p.Namespace == ns)]);
    }

    /// <summary>Reads a policy file; throws <see cref="PolicyFormatException"/>, <see cref="IOException"/> or <see cref="JsonException"/>.</summary>
    public static IReadOnlyList<AllocationPolicy> Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return PolicyJson.ReadList(document.RootElement);
    }

    private void Refresh()
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (_loaded && now < _nextCheck) return;
            _nextCheck = now + TimeSpan.FromSeconds(1);
            try
            {
                var written = File.GetLastWriteTimeUtc(path);
                if (_loaded && written == _written) return;
                _policies = Load(path);
                (_written, _loaded) = (written, true);
                MultiClusterLog.PoliciesRead(log, path, _policies.Count);
            }
            catch (Exception e) when (e is IOException or JsonException or PolicyFormatException or UnauthorizedAccessException)
            {
                MultiClusterLog.PolicyFileBroken(log, path, e.Message);
            }
        }
    }
}
