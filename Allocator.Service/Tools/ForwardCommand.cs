using System.Net;
using System.Net.Sockets;
using Allocator.Service.Storage;

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
        using var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(listen);
        listener.Listen(512);
        Console.Error.WriteLine($"forward: listening on {listen}");
        while (true)
        {
            var client = await listener.AcceptAsync();
            _ = ServeAsync(client, targetFile);
        }
    }

    private static async Task ServeAsync(Socket client, string targetFile)
    {
        try
        {
            var target = (await File.ReadAllTextAsync(targetFile)).Trim();
            await TcpRelay.RunAsync(client, IPEndPoint.Parse(target));
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            client.Dispose();
        }
    }
}
