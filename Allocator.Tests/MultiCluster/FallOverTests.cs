using Allocation.V1;
using Allocator.Service.Api;
using Allocator.Tests.EndToEnd;
using Grpc.Core;

namespace Allocator.Tests.MultiCluster;

/// <summary>Multi-cluster allocation between two fleets of ours, each with its own Redis and replicas, beta behind mTLS.</summary>
public class FallOverTests(TwoFleets fleets) : IClassFixture<TwoFleets>
{
    private static AllocationRequest Request(string fleet, string set)
    {
        var request = SessionRequests.HighDensity(fleet, "rooms");
        request.MultiClusterSetting = new MultiClusterSetting { Enabled = true, PolicySelector = new LabelSelector { MatchLabels = { ["set"] = set } } };
        return request;
    }

    private static Metadata RequestId(string id) => new() { { "x-request-id", id } };

    [Fact]
    public async Task The_preferred_cluster_allocates_until_it_is_full_then_the_next_one_does_and_then_the_caller_hears_from_both()
    {
        var first = await fleets.Alpha[0].Allocation.AllocateAsync(Request("fo", "fallover"));
        Assert.Equal(("fo-00000", "local", 1L), (first.GameServerName, first.Source, first.Counters["rooms"].Capacity));

        // Alpha is full: beta allocates, over mTLS, through alpha's other replica.
        var second = await fleets.Alpha[1].Allocation.AllocateAsync(Request("fo", "fallover"), RequestId("fall-over-2"));
        Assert.Equal(("fo-00000", fleets.BetaEndpoint, 2L, 1L), (second.GameServerName, second.Source, second.Counters["rooms"].Capacity, second.Counters["rooms"].Count));
        var beta = await FleetAssertions.ServersAsync(fleets.BetaRedis.Connection.GetDatabase(), fleets.BetaPrefix);
        Assert.Equal(1, Assert.Single(beta).Counters["rooms"].Count);

        // A retry with the same id is beta's first answer again, not a second session.
        var retried = await fleets.Alpha[0].Allocation.AllocateAsync(Request("fo", "fallover"), RequestId("fall-over-2"));
        Assert.Equal(second.Counters["rooms"].Count, retried.Counters["rooms"].Count);
        Assert.Equal(1, Assert.Single(await FleetAssertions.ServersAsync(fleets.BetaRedis.Connection.GetDatabase(), fleets.BetaPrefix)).Counters["rooms"].Count);

        Assert.Equal(2L, (await fleets.Alpha[0].Allocation.AllocateAsync(Request("fo", "fallover"))).Counters["rooms"].Count);
        var none = await Assert.ThrowsAsync<RpcException>(() => fleets.Alpha[0].Allocation.AllocateAsync(Request("fo", "fallover")).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, none.StatusCode);
        Assert.Matches(@"^multi-cluster allocation in namespace default: no cluster allocated; cluster alpha \(local, policy alpha\): ResourceExhausted: .+; cluster beta \(127\.0\.0\.1:\d+, policy beta\): ResourceExhausted: ", none.Status.Detail);
    }

    [Fact]
    public async Task With_the_preferred_cluster_full_and_the_other_unreachable_the_error_names_both_and_what_each_answered()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fleets.Alpha[0].Allocation.AllocateAsync(Request("nobody", "unreachable")).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("cluster alpha (local, policy alpha-first): ResourceExhausted", e.Status.Detail);
        Assert.Contains($"cluster gamma (127.0.0.1:{fleets.ClosedPort}, policy gone): Unavailable", e.Status.Detail);
        Assert.True(e.Status.Detail.IndexOf("cluster alpha", StringComparison.Ordinal) < e.Status.Detail.IndexOf("cluster gamma", StringComparison.Ordinal), e.Status.Detail);
    }

    [Fact]
    public async Task A_cluster_whose_client_secret_is_missing_is_skipped_and_named_with_the_secret()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fleets.Alpha[1].Allocation.AllocateAsync(Request("nobody", "nosecret")).ResponseAsync);
        Assert.Contains("cluster delta (", e.Status.Detail);
        Assert.Contains("FailedPrecondition: GameServerAllocationPolicy default/no-secret: secret 'missing': no directory", e.Status.Detail);
    }

    [Fact]
    public async Task A_selector_that_matches_no_policy_is_a_failed_precondition_naming_the_field()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => fleets.Alpha[0].Allocation.AllocateAsync(Request("fo", "no-such-set")).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("multiClusterSetting.policySelector: no GameServerAllocationPolicy in namespace default matches set=no-such-set", e.Status.Detail);
    }
}
