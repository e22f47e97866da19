using System.Text.Json;
using Allocator.Service.Inventory;
using Allocator.Service.MultiCluster;
using Allocator.Tests.Infrastructure.FakeKubernetes;
using Microsoft.Extensions.Options;

namespace Allocator.Tests.MultiCluster;

/// <summary>Reading GameServerAllocationPolicy objects, and the settings that point at them.</summary>
public class PolicyJsonTests
{
    private static AllocationPolicy Read(System.Text.Json.Nodes.JsonObject obj) => PolicyJson.Read(JsonSerializer.SerializeToElement(obj));

    [Theory]
    [InlineData("allocator.example", "allocator.example", 443)]
    [InlineData("10.0.0.7:8443", "10.0.0.7", 8443)]
    [InlineData("[2001:db8::1]:9443", "[2001:db8::1]", 9443)]
    [InlineData("allocator.example:443", "allocator.example", 443)]
    public void Endpoints_are_host_or_host_and_port_with_443_by_default(string text, string host, int port) =>
        Assert.Equal(new AllocatorEndpoint(host, port), AllocatorEndpoint.Parse(text));

    [Theory]
    [InlineData("https://allocator.example")]
    [InlineData("allocator.example/path")]
    [InlineData("allocator example")]
    [InlineData("host:99999")]
    [InlineData("")]
    public void Anything_else_is_not_an_endpoint(string text) => Assert.Null(AllocatorEndpoint.Parse(text));

    [Fact]
    public void A_policy_reads_as_Agones_writes_it()
    {
        var policy = Read(FakeKubernetesApi.AllocationPolicy("games", "eu", 2, 30, "eu-west", ["eu.example:8443"], "eu-client", "fleet-ns",
            new Dictionary<string, string> { ["region"] = "eu" }, serverCa: "-----BEGIN CERTIFICATE-----"));
        Assert.Equal(("games", "eu", 2, 30), (policy.Namespace, policy.Name, policy.Priority, policy.Weight));
        Assert.Equal("eu-west", policy.Connection.ClusterName);
        Assert.Equal([new AllocatorEndpoint("eu.example", 8443)], policy.Connection.Endpoints);
        Assert.Equal(("eu-client", "fleet-ns", "-----BEGIN CERTIFICATE-----"), (policy.Connection.SecretName, policy.Connection.Namespace, policy.Connection.ServerCa));
        Assert.True(policy.Matches(new Dictionary<string, string> { ["region"] = "eu" }));
        Assert.True(policy.Matches(new Dictionary<string, string>()));
        Assert.False(policy.Matches(new Dictionary<string, string> { ["region"] = "us" }));
        Assert.Null(policy.Problem);
    }

    [Fact]
    public void A_bad_endpoint_is_the_policys_problem_naming_the_field()
    {
        var policy = Read(FakeKubernetesApi.AllocationPolicy("default", "broken", 1, 1, "far", ["ok.example", "https://far.example"], "client"));
        Assert.Equal("GameServerAllocationPolicy default/broken: spec.connectionInfo.allocationEndpoints[1]: 'https://far.example' is not host[:port]", policy.Problem);
    }

    [Fact]
    public void A_policy_without_priority_is_refused_naming_it()
    {
        var obj = FakeKubernetesApi.AllocationPolicy("default", "nameless-priority", 1, 1, "x");
        ((System.Text.Json.Nodes.JsonObject)obj["spec"]!).Remove("priority");
        var e = Assert.Throws<PolicyFormatException>(() => Read(obj));
        Assert.Contains("default/nameless-priority: spec.priority", e.Message);
    }

    [Fact]
    public void The_settings_refuse_a_policy_file_with_an_unusable_policy_and_a_stand_alone_setup_without_secrets()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, new System.Text.Json.Nodes.JsonObject
            {
                ["items"] = new System.Text.Json.Nodes.JsonArray(FakeKubernetesApi.AllocationPolicy("default", "bad", 1, 1, "far", ["far.example:port"], "client")),
            }.ToJsonString());
            var validator = new MultiClusterOptionsValidator(Options.Create(new InventoryOptions()));
            var problems = validator.Problems(new MultiClusterOptions { Enabled = true, PolicyFile = file }).ToList();
            Assert.Contains(problems, p => p.StartsWith("Allocator:MultiCluster:SecretDirectory: required", StringComparison.Ordinal));
            Assert.Contains(problems, p => p.Contains("spec.connectionInfo.allocationEndpoints[0]: 'far.example:port' is not host[:port]", StringComparison.Ordinal));
            Assert.Equal(["Allocator:MultiCluster:PolicyFile: required when multi-cluster allocation is enabled stand-alone (in Kubernetes mode the policies are watched instead)."],
                validator.Problems(new MultiClusterOptions { Enabled = true }));
            Assert.Empty(new MultiClusterOptionsValidator(Options.Create(new InventoryOptions { Source = "kubernetes" })).Problems(new MultiClusterOptions { Enabled = true }));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
