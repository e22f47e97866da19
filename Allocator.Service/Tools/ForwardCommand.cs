using System.Net;
using System.Net.Sockets;

namespace Allocator.Service.Tools;

/// <summary>
/// <c>Allocator.Service forward --listen 127.0.0.1:7000 --target-file FILE</c>: a TCP forwarder
/// standing in for a managed Redis endpoint (one address, a new server behind it after a
/// failover). Each new connection goes to the <c>host:port</c> the file names at that moment;
/// when either side closes, so does the other. For the chaos harness.
/// </summary>
public static class ForwardCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var o = CommandLine.Parse(args);
        var listen = IPEndPoint.Parse(o.Get("listen", "127.0.0.1:7000"));
        var targetFile = o.Get("target-file", "");
        if (targetFile.Length == 0) throw new ArgumentException("--target-file is required");
        using var listener = new TcpListener(listen);
        listener.Start();
        Console.Error.WriteLine($"forward: listening on {listen}");
        while (true)
        {
            var client = await listener.AcceptTcpClientAsync();
            _ = ServeAsync(client, targetFile);
        }
    }

    private static async Task ServeAsync(TcpClient client, string targetFile)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                var target = (await File.ReadAllTextAsync(targetFile)).Trim();
                var colon = target.LastIndexOf(':');
                await upstream.ConnectAsync(target[..colon], int.Parse(target[(colon + 1)..]));
                client.NoDelay = upstream.NoDelay = true;
                var down = client.GetStream();
                var up = upstream.GetStream();
                // The first side to finish (or fail) ends both: a dead server must look dead.
                await Task.WhenAny(CopyAsync(down, up), CopyAsync(up, down));
            }
            catch (Exception e) when (e is IOException or SocketException or FormatException or ArgumentException)
            {
                // The target is down: the caller sees its connection closed, as it would.
            }
        }
    }

    private static async Task CopyAsync(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }
}
