using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Allocator.Service.Storage;

/// <summary>
/// A loopback endpoint that always leads to the primary <see cref="SentinelPrimary"/> names:
/// every connection of the replica (queue, Pub/Sub, lease, the leader's own) is made to it and
/// relayed there. When the Sentinels name another primary, every relayed connection is closed,
/// so each client reconnects (within its 100 ms retry) to the new one and none keeps writing to
/// the old: what a managed Redis endpoint does, without trusting the old primary's own view.
/// </summary>
public sealed class PrimaryRelay : IAsyncDisposable
{
    private readonly SentinelPrimary _primary;
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly ConcurrentDictionary<TcpRelay, byte> _open = new();
    private readonly ILogger _log;
    private readonly Task _accepting;

    public PrimaryRelay(SentinelPrimary primary, ILogger log)
    {
        (_primary, _log) = (primary, log);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
        EndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        _primary.Switched += MoveAll;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Where the replica's Redis clients connect.</summary>
    public IPEndPoint EndPoint { get; }

    private async Task AcceptAsync()
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_primary.Current is not { } target)
            {
                client.Dispose(); // no primary named yet: the client retries
                continue;
            }

            _ = TcpRelay.RunAsync(client, target, relay =>
            {
                _open.TryAdd(relay, 0);
                // Named another primary while this one connected: the move missed it.
                if (_primary.Current?.ToString() != target.ToString()) relay.Dispose();
            }, relay => _open.TryRemove(relay, out _));
        }
    }

    private void MoveAll(EndPoint primary)
    {
        var moved = 0;
        foreach (var relay in _open.Keys)
        {
            relay.Dispose();
            moved++;
        }

        if (moved > 0) StorageLog.ConnectionsMoved(_log, moved, primary.ToString()!);
    }

    public async ValueTask DisposeAsync()
    {
        _primary.Switched -= MoveAll;
        _listener.Dispose();
        await _accepting;
        foreach (var relay in _open.Keys) relay.Dispose();
    }
}
