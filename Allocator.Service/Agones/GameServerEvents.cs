using System.Threading.Channels;
using k8s;
using k8s.Models;

namespace Allocator.Service.Agones;

/// <summary>
/// Kubernetes Events on GameServers, as Agones' allocator records them (<c>allocator.go</c>): a
/// Normal "Allocated" once an allocation is in Kubernetes, and a Warning "CounterActionError" or
/// "ListActionError" for an action on a counter or list the server does not have. Best effort and
/// off the write-back's path: queued (the oldest dropped when full), sent one at a time on the
/// writes connection, a failure logged once per term.
/// </summary>
public sealed class GameServerEvents : IAsyncDisposable
{
    public const string Component = "GameServerAllocation-Allocator";
    private const int Queue = 1024;

    private readonly Channel<Corev1Event> _events = Channel.CreateBounded<Corev1Event>(new BoundedChannelOptions(Queue) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly IKubernetes _client;
    private readonly TimeSpan _callTimeout;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sending;
    private bool _failureLogged;

    public GameServerEvents(IKubernetes client, TimeSpan callTimeout, TimeProvider time, ILogger log)
    {
        (_client, _callTimeout, _time, _log) = (client, callTimeout, time, log);
        _sending = Task.Run(SendAsync);
    }

    /// <summary>The allocations of <paramref name="allocations"/> outbox entries landed on the GameServer Kubernetes returned; and their action errors.</summary>
    public void Allocated(System.Text.Json.JsonElement gameServer, int allocations, IEnumerable<ActionError> actionErrors)
    {
        var metadata = gameServer.GetProperty("metadata");
        var involved = new V1ObjectReference
        {
            ApiVersion = $"{AgonesGameServer.Group}/{AgonesGameServer.Version}",
            Kind = "GameServer",
            Name = Text(metadata, "name"),
            NamespaceProperty = Text(metadata, "namespace"),
            Uid = Text(metadata, "uid"),
            ResourceVersion = Text(metadata, "resourceVersion"),
        };
        foreach (var error in actionErrors) _events.Writer.TryWrite(Event(involved, "Warning", error.Reason, error.Message, 1));

        // Agones: reason is the new state, message "Allocated"; several allocations in one patch are one series.
        _events.Writer.TryWrite(Event(involved, "Normal", "Allocated", "Allocated", allocations));
    }

    private Corev1Event Event(V1ObjectReference involved, string type, string reason, string message, int count)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return new Corev1Event
        {
            // As client-go names them: the object's name and a unique suffix.
            Metadata = new V1ObjectMeta { Name = $"{involved.Name[..Math.Min(involved.Name.Length, 236)]}.{Guid.NewGuid().ToString("N")[..16]}", NamespaceProperty = involved.NamespaceProperty },
            InvolvedObject = involved,
            Type = type,
            Reason = reason,
            Message = message,
            Count = count,
            FirstTimestamp = now,
            LastTimestamp = now,
            Source = new V1EventSource { Component = Component },
            ReportingComponent = Component,
            ReportingInstance = Environment.MachineName,
        };
    }

    private async Task SendAsync()
    {
        try
        {
            await foreach (var e in _events.Reader.ReadAllAsync(_stop.Token))
            {
                try
                {
                    using var call = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    call.CancelAfter(_callTimeout);
                    await _client.CoreV1.CreateNamespacedEventAsync(e, e.Metadata.NamespaceProperty, cancellationToken: call.Token);
                }
                catch (Exception error) when (!_stop.IsCancellationRequested)
                {
                    // Events only inform: missing RBAC or a busy API server must not slow allocations.
                    if (!_failureLogged) KubernetesLog.EventFailed(_log, e.InvolvedObject.NamespaceProperty + "/" + e.InvolvedObject.Name, error.Message);
                    _failureLogged = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The term ended.
        }
    }

    private static string Text(System.Text.Json.JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString()! : "";

    /// <summary>Stops at once: with the term, events not yet sent are dropped.</summary>
    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        await _stop.CancelAsync();
        await _sending;
        _stop.Dispose();
    }
}
