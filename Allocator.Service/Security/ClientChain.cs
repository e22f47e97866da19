using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Allocator.Service.Security;

/// <summary>Whether a client certificate chains up to one of a set of CAs and may authenticate a client.</summary>
public static class ClientChain
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// True when <paramref name="client"/> chains up to one of <paramref name="cas"/> and its extended
    /// key usage, if any, includes client authentication (as Agones and Kubernetes check).
    /// </summary>
    public static bool Trusted(X509Certificate2 client, X509Certificate2Collection cas, X509Chain? presented)
    {
        if (cas.Count == 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        // Intermediates the client sent along help build the chain; only the given CAs are trusted.
        if (presented is not null) chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        chain.ChainPolicy.CustomTrustStore.AddRange(cas);
        return chain.Build(client);
    }
}

/// <summary>
/// A verdict per connection: the certificate object a connection presented lives as long as the
/// connection, so its chain is built once, not on every request (as the TLS handshake, which also
/// happens once, judged it).
/// </summary>
public sealed class ConnectionVerdicts(Func<X509Certificate2, bool> judge)
{
    private readonly ConditionalWeakTable<X509Certificate2, StrongBox<bool>> _verdicts = [];

    public bool Trusted(X509Certificate2 certificate) => _verdicts.GetValue(certificate, c => new StrongBox<bool>(judge(c))).Value;
}
