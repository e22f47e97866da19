using Allocator.Service.Agones;
using Allocator.Service.KubernetesApi;
using Allocator.Service.Security;
using Allocator.Tests.Infrastructure;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Allocator.Tests.KubernetesApi;

/// <summary>Where the front proxy's CA, names and headers come from: the API server's ConfigMap (read with the real client) or a file.</summary>
public class RequestHeaderSourceTests
{
    private static RequestHeaderSource Source(FakeKubernetesApi fake, KubernetesApiOptions options, out ApiServerClient client)
    {
        client = new ApiServerClient(Options.Create(new KubernetesOptions { Host = fake.Url }));
        return new RequestHeaderSource(new FrontProxyAuthority(), client, Options.Create(options), TimeProvider.System, NullLogger<RequestHeaderSource>.Instance);
    }

    [Fact]
    public async Task The_ConfigMap_gives_the_CA_the_allowed_names_and_the_headers()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        var ca = TestCertificates.Authority("front-proxy-ca");
        fake.PutRequestHeaderConfigMap(ca.ExportCertificatePem(), ["front-proxy-client", "aggregator"], userHeader: "X-Proxy-User", groupHeader: "X-Proxy-Group");

        var source = Source(fake, new KubernetesApiOptions { Enabled = true }, out var client);
        using var _ = client;
        var settings = await source.ReadAsync(CancellationToken.None);

        Assert.Equal(ca.Thumbprint, settings.Cas.Single().Thumbprint);
        Assert.Equal(["front-proxy-client", "aggregator"], settings.AllowedNames);
        Assert.Equal(["X-Proxy-User"], settings.UsernameHeaders);
        Assert.Equal(["X-Proxy-Group"], settings.GroupHeaders);
    }

    [Fact]
    public async Task Settings_of_our_own_win_over_the_ConfigMap()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        fake.PutRequestHeaderConfigMap(TestCertificates.Authority("front-proxy-ca").ExportCertificatePem(), ["front-proxy-client"]);

        var source = Source(fake, new KubernetesApiOptions { Enabled = true, AllowedNames = "proxy-a, proxy-b", UsernameHeaders = "X-User" }, out var client);
        using var _ = client;
        var settings = await source.ReadAsync(CancellationToken.None);

        Assert.Equal(["proxy-a", "proxy-b"], settings.AllowedNames);
        Assert.Equal(["X-User"], settings.UsernameHeaders);
        Assert.Equal(["X-Remote-Group"], settings.GroupHeaders);
    }

    [Fact]
    public async Task A_CA_file_allows_any_name_it_signed_unless_names_are_listed()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        using var pki = new TestCertificates();
        var ca = TestCertificates.Authority("front-proxy-ca");
        var file = Path.Combine(pki.Folder, "front-proxy-ca.crt");
        TestCertificates.WritePem(file, ca);

        var source = Source(fake, new KubernetesApiOptions { Enabled = true, RequestHeaderCaFile = file }, out var client);
        using var _ = client;
        var authority = new FrontProxyAuthority();
        authority.Use(await source.ReadAsync(CancellationToken.None));

        Assert.Empty(authority.Current!.AllowedNames);
        Assert.Equal(["X-Remote-User"], authority.Current.UsernameHeaders);
        var anyName = TestCertificates.Client("whoever", ca);
        Assert.True(authority.Trust(anyName, null) && authority.Allowed(anyName));
        Assert.False(authority.Trust(TestCertificates.Client("whoever", TestCertificates.Authority("other-ca")), null));
        Assert.Empty(fake.Requests); // the file needs no API server
    }

    [Fact]
    public async Task An_API_server_that_publishes_no_request_header_ConfigMap_is_an_error()
    {
        await using var fake = await FakeKubernetesApi.StartAsync();
        var source = Source(fake, new KubernetesApiOptions { Enabled = true }, out var client);
        using var _ = client;

        // Not published at all (an API server without --requestheader-* flags): the real client's 404.
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => source.ReadAsync(CancellationToken.None));
    }
}
