using Allocator.Service.KubernetesApi;
using Microsoft.AspNetCore.Http;

namespace Allocator.Tests.KubernetesApi;

/// <summary>Content negotiation, the timeout parameter and the idempotency key: what a request carries besides its body.</summary>
public class WireTests
{
    private const string Aggregated = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    private static Representation? Negotiate(string? accept, params Representation[] offered)
    {
        var context = new DefaultHttpContext();
        if (accept is not null) context.Request.Headers.Accept = accept;
        return MediaTypes.Negotiate(context.Request, offered);
    }

    private static readonly Representation[] Apis = [Representation.DiscoveryV2, Representation.DiscoveryV2Beta1, Representation.Json];

    [Theory]
    [InlineData(null, Representation.Json)]
    [InlineData("application/json", Representation.Json)]
    [InlineData("*/*", Representation.Json)]
    [InlineData(Aggregated + ",application/json", Representation.DiscoveryV2)]
    [InlineData("application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json", Representation.DiscoveryV2Beta1)]
    [InlineData("application/json;q=0.9," + Aggregated, Representation.DiscoveryV2)] // quality first, then order
    [InlineData("application/vnd.kubernetes.protobuf,application/json", Representation.Json)]
    [InlineData("application/json;as=Table;g=meta.k8s.io;v=v1,application/json", Representation.Json)]
    public void Apis_are_written_as_the_caller_prefers(string? accept, Representation expected) =>
        Assert.Equal(expected, Negotiate(accept, Apis));

    [Theory]
    [InlineData(Aggregated)] // the aggregator's own question to a server without aggregated discovery at that path
    [InlineData("application/vnd.kubernetes.protobuf")]
    [InlineData("application/json;as=Table;g=meta.k8s.io;v=v1")]
    [InlineData("application/json;q=0")]
    public void A_representation_not_served_is_406(string accept) => Assert.Null(Negotiate(accept, Representation.Json));

    [Theory]
    [InlineData("30s", 30_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("250ms", 250)]
    public void A_timeout_is_the_call_deadline(string timeout, int milliseconds)
    {
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Assert.True(RequestTimeout.TryDeadline(timeout, now, out var deadline));
        Assert.Equal(now.AddMilliseconds(milliseconds), deadline);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0s")]
    public void No_timeout_leaves_the_configured_default(string? timeout)
    {
        Assert.True(RequestTimeout.TryDeadline(timeout, DateTime.UtcNow, out var deadline));
        Assert.Equal(DateTime.MaxValue, deadline);
    }

    [Theory]
    [InlineData("30")]
    [InlineData("soon")]
    [InlineData("-5s")]
    [InlineData("5d")]
    public void A_timeout_that_is_not_a_duration_is_refused(string timeout) => Assert.False(RequestTimeout.TryDeadline(timeout, DateTime.UtcNow, out _));

    [Fact]
    public void The_idempotency_key_is_the_uid_else_the_name_within_the_namespace()
    {
        Assert.Equal("gsa:games:uid:u-1", IdempotencyKey.For("games", new ObjectMeta { Uid = "u-1", Name = "n" }));
        Assert.Equal("gsa:games:name:match-7", IdempotencyKey.For("games", new ObjectMeta { Name = "match-7" }));
        Assert.NotEqual(IdempotencyKey.For("a", new ObjectMeta { Name = "same" }), IdempotencyKey.For("b", new ObjectMeta { Name = "same" }));
        // Without either, every object is a new request.
        Assert.NotEqual(IdempotencyKey.For("games", new ObjectMeta()), IdempotencyKey.For("games", new ObjectMeta()));
        // A long or unusual one is hashed into a plain key; the same object still gets the same key.
        var longName = new ObjectMeta { Name = new string('a', 250) };
        Assert.True(Allocator.Service.Api.Names.IsRequestId(IdempotencyKey.For("games", longName)));
        Assert.Equal(IdempotencyKey.For("games", longName), IdempotencyKey.For("games", new ObjectMeta { Name = new string('a', 250) }));
        Assert.True(Allocator.Service.Api.Names.IsRequestId(IdempotencyKey.For("games", new ObjectMeta { Uid = "ü d/\n" })));
    }
}
