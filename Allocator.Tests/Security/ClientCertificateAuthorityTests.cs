using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Allocator.Tests.Infrastructure;

namespace Allocator.Tests.Security;

/// <summary>
/// mTLS as Agones' allocator does it: the server certificate's CA is not the clients' CA, and
/// several client CAs are trusted, from a bundle and from a directory of files (Agones'
/// client-ca Secret), against a replica process's real TLS port with generated certificates.
/// </summary>
public class ClientCertificateAuthorityTests(ClientCertificateAuthorityTests.Replica replica) : IClassFixture<ClientCertificateAuthorityTests.Replica>
{
    public sealed class Replica : IAsyncLifetime
    {
        public TestCertificates Pki { get; } = new(); // its CA signs the server certificate only
        public X509Certificate2 TeamA { get; } = TestCertificates.Authority("team-a-ca");
        public X509Certificate2 TeamB { get; } = TestCertificates.Authority("team-b-ca");
        public X509Certificate2 ClusterC { get; } = TestCertificates.Authority("cluster-c-ca");
        public X509Certificate2 ClusterD { get; } = TestCertificates.Authority("cluster-d-ca");
        public string Directory => Path.Combine(Pki.Folder, "client-ca");
        public ReplicaProcess Process { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            System.IO.Directory.CreateDirectory(Directory);
            TestCertificates.WritePem(Path.Combine(Directory, "team-a.crt"), TeamA);
            TestCertificates.WritePem(Path.Combine(Directory, "team-b.pem"), TeamB);
            await File.WriteAllTextAsync(Path.Combine(Directory, "README"), "not a certificate, and not read");
            var bundle = Path.Combine(Pki.Folder, "clusters.crt");
            TestCertificates.WritePem(bundle, ClusterC, ClusterD);

            var redis = await RedisServer.GetAsync();
            Process = await ReplicaProcess.StartAsync("client-cas", redis.ConnectionString, RedisServer.UniquePrefix(nameof(ClientCertificateAuthorityTests)),
                "--Allocator:Plaintext=false",
                $"--Allocator:Tls:CertificateFile={Pki.ServerCertificateFile}",
                $"--Allocator:Tls:KeyFile={Pki.ServerKeyFile}",
                $"--Allocator:Tls:ClientCaFile={bundle}",
                $"--Allocator:Tls:ClientCaDirectory={Directory}");
        }

        public async Task DisposeAsync()
        {
            await Process.DisposeAsync();
            Pki.Dispose();
        }

        /// <summary>A new TLS connection with <paramref name="client"/>: true when the handshake succeeds and the call is answered.</summary>
        public async Task<bool> AcceptsAsync(X509Certificate2 client)
        {
            using var http = new HttpClient(new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, server, _, _) => Pki.TrustsServer(server as X509Certificate2),
                    ClientCertificates = new X509CertificateCollection { client },
                },
            });
            try
            {
                using var answer = await http.GetAsync($"https://127.0.0.1:{Process.Port}/healthz");
                return answer.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false; // the server refused the certificate in the handshake
            }
        }
    }

    [Fact]
    public async Task Clients_of_every_configured_CA_are_served_from_the_directory_and_the_bundle()
    {
        foreach (var (ca, name) in new[] { (replica.TeamA, "a"), (replica.TeamB, "b"), (replica.ClusterC, "c"), (replica.ClusterD, "d") })
            Assert.True(await replica.AcceptsAsync(TestCertificates.Client("backend-" + name, ca)), $"a client of {ca.Subject} was refused:\n{replica.Process.Log}");
    }

    [Fact]
    public async Task The_server_certificates_CA_is_not_a_client_CA()
    {
        Assert.False(await replica.AcceptsAsync(TestCertificates.Client("signed-by-the-server-ca", replica.Pki.Ca)));
        Assert.False(await replica.AcceptsAsync(TestCertificates.Client("stranger", TestCertificates.Authority("stranger-ca"))));
    }

    [Fact]
    public async Task A_certificate_not_meant_for_client_authentication_is_refused()
    {
        Assert.False(await replica.AcceptsAsync(TestCertificates.Client("a-server-certificate", replica.TeamA, clientAuthentication: false)));
    }

    [Fact]
    public async Task A_CA_added_to_the_directory_is_trusted_and_one_removed_is_not_without_a_restart()
    {
        var teamE = TestCertificates.Authority("team-e-ca");
        var client = TestCertificates.Client("backend-e", teamE);
        var file = Path.Combine(replica.Directory, "team-e.crt");
        Assert.False(await replica.AcceptsAsync(client));

        TestCertificates.WritePem(file, teamE);
        // The service looks at the directory at most once a second, on a new connection.
        await Until.TrueAsync(() => replica.AcceptsAsync(client), "a client of the added CA is served", () => replica.Process.Log);

        File.Delete(file);
        await Until.TrueAsync(async () => !await replica.AcceptsAsync(client), "a client of the removed CA is refused", () => replica.Process.Log);
        Assert.True(await replica.AcceptsAsync(TestCertificates.Client("backend-a", replica.TeamA)));
    }
}
