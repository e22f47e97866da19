using System.Net;
using System.Net.Sockets;

namespace Allocator.Service.Storage;

/// <summary>
/// One accepted connection joined to an upstream server, byte for byte. When either side
/// closes, fails, or <see cref="Dispose"/> is called, both close: a dead or abandoned server
/// must look dead to the client, which then reconnects.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly Socket _client;
    private readonly Socket _upstream;
    private int _closed;

    private TcpRelay(Socket client, Socket upstream) => (_client, _upstream) = (client, upstream);

    /// <summary>Connects to <paramref name="target"/> and relays until one side ends; then closes both.</summary>
    public static async Task RunAsync(Socket client, EndPoint target, Action<TcpRelay>? started = null, Action<TcpRelay>? ended = null)
    {
        // A host name (Unspecified) gets a dual-mode socket; an address, one of its own family.
        var upstream = target.AddressFamily is AddressFamily.Unspecified
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var relay = new TcpRelay(client, upstream);
        try
        {
            await upstream.ConnectAsync(target);
            client.NoDelay = upstream.NoDelay = true;
            started?.Invoke(relay);
            using var down = new NetworkStream(client, ownsSocket: false);
            using var up = new NetworkStream(upstream, ownsSocket: false);
            await Task.WhenAny(CopyAsync(down, up), CopyAsync(up, down));
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // The target is down: the client sees its connection closed, as it would.
        }
        finally
        {
            ended?.Invoke(relay);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 1) return;
        _client.Dispose();
        _upstream.Dispose();
    }

    private static async Task CopyAsync(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }
}
