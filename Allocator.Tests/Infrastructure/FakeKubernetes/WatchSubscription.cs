using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// One open watch: the lines still to send (each a complete event), a token the test trips to drop
/// it, and a switch that silences it (nothing more is sent, as on a black-holed connection). The store
/// fills it under its lock, so lines arrive in resourceVersion order without gaps.
/// </summary>
internal sealed class WatchSubscription(ResourceType resource, ObjectFilter filter, bool bookmarks, Action<WatchSubscription> close)
    : IDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _dropped = new();
    private volatile bool _silent;

    public ChannelReader<string> Lines => _lines.Reader;

    public CancellationToken Dropped => _dropped.Token;

    /// <summary>Whether the test silenced it: it then sends nothing, and its stream never ends on its own.</summary>
    public bool Silent => _silent;

    public void Silence() => _silent = true;

    public void Offer(StoredEvent change)
    {
        if (change.Resource != resource) return;
        if (filter.EventTypeFor(change) is { } type) Send(type, change.ObjectJson);
    }

    public void OfferExisting(JsonObject current)
    {
        if (filter.Matches(current)) Send("ADDED", WireJson.Text(current));
    }

    public void OfferBookmark(long resourceVersion)
    {
        if (!bookmarks) return;
        var marker = new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = ObjectMeta.Format(resourceVersion) },
        };
        Send("BOOKMARK", WireJson.Text(marker));
    }

    /// <summary>The watch cannot start: one ERROR event, then the stream ends.</summary>
    public void Fail(JsonObject status)
    {
        Send("ERROR", WireJson.Text(status));
        _lines.Writer.TryComplete();
    }

    /// <summary>Trips <see cref="Dropped"/>; call outside the store's lock (cancellation runs callbacks inline).</summary>
    public void Drop() => _dropped.Cancel();

    public void Dispose()
    {
        close(this);
        _lines.Writer.TryComplete();
    }

    private void Send(string type, string objectJson)
    {
        if (!_silent) _lines.Writer.TryWrite($"{{\"type\":\"{type}\",\"object\":{objectJson}}}");
    }
}
