using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Net.Client;

namespace Allocator.Service.MultiCluster;

/// <summary>
/// One gRPC channel per remote endpoint and client identity, kept while the credentials stay the
/// same (a rotated Secret makes a new channel and retires the old). Every channel presents the
/// client certificate (mTLS, as Agones' allocator requires of its callers) and trusts, for the
/// remote server, the policy's <c>serverCa</c> and the Secret's <c>ca.crt</c>; with neither, the
/// system's trust store.
/// </summary>
public sealed class ClusterChannels : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (string Fingerprint, GrpcChannel Channel)> _channels = new(StringComparer.Ordinal);

    public GrpcChannel For(AllocatorEndpoint endpoint, AllocationPolicy policy, ClientCredentials credentials)
    {
        var key = $"{endpoint}|{policy.Namespace}/{policy.Connection.SecretName}";
        var fingerprint = Fingerprint(credentials, policy.Connection.ServerCa);
        if (_channels.TryGetValue(key, out var known) && known.Fingerprint == fingerprint) return known.Channel;
        var channel = Open(endpoint, credentials, policy.Connection.ServerCa);
        if (_channels.TryGetValue(key, out var stale) && _channels.TryUpdate(key, (fingerprint, channel), stale))
        {
            stale.Channel.Dispose();
            return channel;
        }

        if (_channels.TryAdd(key, (fingerprint, channel))) return channel;
        channel.Dispose();
        return _channels[key].Channel;
    }

    private static GrpcChannel Open(AllocatorEndpoint endpoint, ClientCredentials credentials, string serverCa)
    {
        X509Certificate2 client;
        var trusted = new X509Certificate2Collection();
        try
        {
            using var pem = X509Certificate2.CreateFromPem(credentials.Certificate, credentials.Key);
            // SslStream on Linux wants a certificate whose key is not ephemeral.
            client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            if (serverCa.Length > 0) trusted.ImportFromPem(serverCa);
            if (credentials.Ca.Length > 0) trusted.ImportFromPem(credentials.Ca);
        }
        catch (CryptographicException e)
        {
            throw new ClusterSetupException($"client certificate, key or CA is not usable PEM: {e.Message}", e);
        }

        var tls = new SslClientAuthenticationOptions { ClientCertificates = [client] };
        if (trusted.Count > 0)
        {
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(trusted);
            tls.CertificateChainPolicy = policy;
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = tls,
            ConnectTimeout = ConnectTimeout,
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        return GrpcChannel.ForAddress(endpoint.Address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    private static string Fingerprint(ClientCredentials credentials, string serverCa) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', credentials.Certificate, credentials.Key, credentials.Ca, serverCa))));

    public void Dispose()
    {
        foreach (var (_, channel) in _channels.Values) channel.Dispose();
        _channels.Clear();
    }
}
