using System.Net;
using System.Text.Json;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Allocator.Tests.Agones;

/// <summary>
/// Game servers ending sessions the way Agones' SDK sidecar writes them (<c>pkg/sdkserver</c>): a
/// JSON patch computed on the sidecar's own copy of its GameServer, opening with a <c>test</c> of
/// that copy's resourceVersion and replacing the counter's count. When the allocator wrote the
/// server since (or the copy is otherwise stale) the test fails (422), the sidecar re-reads and
/// tries again on a later round, as its work queue does. Runs over HTTP with the real client.
/// </summary>
internal sealed class SdkCounterTraffic(FakeKubernetesApi fake, int patchesPerSecond, string counter = "rooms")
{
    private readonly Dictionary<string, JsonElement> _copies = new(StringComparer.Ordinal);
    private int _applied, _failedTests, _errors;

    public int Applied => Volatile.Read(ref _applied);

    /// <summary>Patches whose resourceVersion test failed: the allocator (or Agones) wrote the server since the sidecar's copy.</summary>
    public int FailedTests => Volatile.Read(ref _failedTests);

    public int Errors => Volatile.Read(ref _errors);

    public async Task RunAsync(CancellationToken stop)
    {
        if (patchesPerSecond <= 0) return;
        using var client = fake.Client();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / patchesPerSecond));
        var random = new Random(11);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                // The game decides a session ended on one of its servers that has sessions.
                var busy = fake.GameServers.Where(g => KubernetesFleet.Rooms(g) > 0).Select(g => (string)g["metadata"]!["name"]!).ToList();
                if (busy.Count == 0) continue;
                await EndSessionAsync(client, busy[random.Next(busy.Count)], stop);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task EndSessionAsync(k8s.Kubernetes client, string name, CancellationToken stop)
    {
        try
        {
            if (!_copies.TryGetValue(name, out var copy))
            {
                copy = (JsonElement)await client.CustomObjects.GetNamespacedCustomObjectAsync("agones.dev", "v1", KubernetesFleet.Namespace, "gameservers", name, stop);
            }

            var count = copy.GetProperty("status").GetProperty("counters").GetProperty(counter).GetProperty("count").GetInt64();
            if (count == 0) return;
            var version = copy.GetProperty("metadata").GetProperty("resourceVersion").GetString();
            var patch = $$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"replace","path":"/status/counters/{{counter}}/count","value":{{count - 1}}}]""";
            _copies[name] = (JsonElement)await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.JsonPatch),
                "agones.dev", "v1", KubernetesFleet.Namespace, "gameservers", name, cancellationToken: stop);
            Interlocked.Increment(ref _applied);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref _failedTests);
            _copies.Remove(name);
        }
        catch (HttpOperationException)
        {
            Interlocked.Increment(ref _errors);
            _copies.Remove(name);
        }
    }
}
