using Allocator.Service.Agones;
using Allocator.Service.KubernetesApi;
using Allocator.Service.Security;
using Microsoft.Extensions.Options;

namespace Allocator.Tests.KubernetesApi;

public class KubernetesApiOptionsTests
{
    private static List<string> Problems(KubernetesApiOptions options, bool plaintext = false, string host = "http://127.0.0.1:6443") =>
        new KubernetesApiOptionsValidator(Options.Create(new TransportOptions { Plaintext = plaintext }), Options.Create(new KubernetesOptions { Host = host }))
            .Problems(options).ToList();

    [Fact]
    public void Off_nothing_is_checked_and_on_the_defaults_are_valid()
    {
        Assert.Empty(Problems(new KubernetesApiOptions { RequestHeaderCaFile = "/no/such/file", Authorize = true }, plaintext: true));
        Assert.Empty(Problems(new KubernetesApiOptions { Enabled = true }));
        Assert.Empty(Problems(new KubernetesApiOptions { Enabled = true, Authorize = true, AllowedNames = "front-proxy-client", UsernameHeaders = "X-Remote-User, X-User" }));
    }

    [Fact]
    public void Bad_settings_are_named()
    {
        var problems = Problems(new KubernetesApiOptions
        {
            Enabled = true,
            RequestHeaderCaFile = "/no/such/ca.crt",
            GroupHeaders = "X Remote Group",
            AuthenticationRefresh = TimeSpan.Zero,
            AuthorizationTtl = TimeSpan.FromSeconds(-1),
        });

        Assert.Contains(problems, p => p.StartsWith("Allocator:KubernetesApi:RequestHeaderCaFile: /no/such/ca.crt does not exist"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:KubernetesApi:GroupHeaders"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:KubernetesApi:AuthenticationRefresh"));
        Assert.Contains(problems, p => p.StartsWith("Allocator:KubernetesApi:AuthorizationTtl"));
    }

    [Fact]
    public void Authorisation_needs_an_authenticated_user_so_TLS()
    {
        Assert.Contains(Problems(new KubernetesApiOptions { Enabled = true, Authorize = true }, plaintext: true), p => p.StartsWith("Allocator:KubernetesApi:Authorize needs TLS"));
    }
}
