using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Allocator.Service.Security;

/// <summary>
/// Who may change the inventory: the holder of the bearer token in
/// <c>Allocator:Inventory:TokenFile</c>, apart from whoever may allocate. Without a token the
/// API is open only in plaintext mode (demos, tests); over TLS it is then refused outright.
/// </summary>
public sealed class InventoryAccess(IOptions<Inventory.InventoryOptions> inventory, IOptions<TransportOptions> transport, TimeProvider time)
{
    private readonly Lock _lock = new();
    private byte[] _token = [];
    private DateTime _written;
    private DateTimeOffset _nextCheck;

    public void Require(ServerCallContext context)
    {
        var tokenFile = inventory.Value.TokenFile;
        if (tokenFile.Length == 0)
        {
            if (transport.Value.Plaintext) return;
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the inventory API is off: set Allocator:Inventory:TokenFile to enable it"));
        }

        var header = context.RequestHeaders.GetValue("authorization") ?? "";
        var given = header.StartsWith("Bearer ", StringComparison.Ordinal) ? Encoding.UTF8.GetBytes(header[7..].Trim()) : [];
        var token = Token(tokenFile);
        if (token.Length == 0 || !CryptographicOperations.FixedTimeEquals(given, token))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the inventory API needs 'authorization: Bearer <token>' with the token of Allocator:Inventory:TokenFile"));
        }
    }

    /// <summary>The token, re-read at most once a second when the file changes (Secrets rotate in place).</summary>
    private byte[] Token(string path)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (now < _nextCheck) return _token;
            _nextCheck = now + TimeSpan.FromSeconds(1);
            try
            {
                var written = File.GetLastWriteTimeUtc(path);
                if (written != _written) (_token, _written) = (Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim()), written);
            }
            catch (IOException)
            {
                // Keep the last token read; an unreadable file at start leaves it empty, which refuses every call.
            }

            return _token;
        }
    }
}
