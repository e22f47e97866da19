#if AGONES_REFERENCE
using Google.Protobuf.Reflection;
using Allocator.Tests.Infrastructure;
using Grpc.Core;

namespace Allocator.Tests.Api;

/// <summary>
/// Our allocation.proto against Agones' own (../shared/reference/agones): same package,
/// service, messages, enums, field names, types and numbers; and a client generated from
/// Agones' file allocates from a running replica.
/// </summary>
public class AgonesCompatibilityTests
{
    [Fact]
    public void Every_message_enum_and_field_matches_the_reference()
    {
        var theirs = global::Allocation.AllocationReflection.Descriptor;
        var ours = global::Allocation.V1.AllocationReflection.Descriptor;
        Assert.Equal(theirs.Package, ours.Package);

        var theirService = Assert.Single(theirs.Services);
        var ourService = Assert.Single(ours.Services);
        Assert.Equal(theirService.FullName, ourService.FullName);
        Assert.Equal(theirService.Methods.Select(m => (m.Name, m.InputType.FullName, m.OutputType.FullName)),
            ourService.Methods.Select(m => (m.Name, m.InputType.FullName, m.OutputType.FullName)));

        Assert.True(Shape(theirs.MessageTypes).Count() > 50, "the comparison must cover every field");
        Assert.Equal(Shape(theirs.MessageTypes), Shape(ours.MessageTypes));
        Assert.Equal(Enums(theirs.EnumTypes, theirs.MessageTypes), Enums(ours.EnumTypes, ours.MessageTypes));
    }

    [Fact]
    public async Task An_unchanged_Agones_client_allocates()
    {
        var redis = await RedisServer.GetAsync();
        await using var replica = await ReplicaProcess.StartAsync("agones-client", redis.ConnectionString,
            RedisServer.UniquePrefix(nameof(AgonesCompatibilityTests)), "--Allocator:Inventory:DemoFleet=servers=3,capacity=2,fleet=agones");
        var client = new global::Allocation.AllocationService.AllocationServiceClient(replica.Channel);

        var request = new global::Allocation.AllocationRequest { Namespace = "default" };
        var selector = new global::Allocation.GameServerSelector { MatchLabels = { ["agones.dev/fleet"] = "agones" } };
        selector.Counters["rooms"] = new global::Allocation.CounterSelector { MinAvailable = 1 };
        request.GameServerSelectors.Add(selector);
        request.Counters["rooms"] = new global::Allocation.CounterAction { Action = "Increment", Amount = 1 };

        var response = await client.AllocateAsync(request, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.Equal("agones-00000", response.GameServerName);
        Assert.Equal(1, response.Counters["rooms"].Count);
        Assert.Equal(2, response.Counters["rooms"].Capacity);
        Assert.Equal("local", response.Source);

        request.GameServerSelectors[0].MatchLabels["agones.dev/fleet"] = "nope";
        var e = await Assert.ThrowsAsync<RpcException>(() => client.AllocateAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
    }

    private static IEnumerable<string> Shape(IEnumerable<MessageDescriptor> messages) =>
        messages.SelectMany(m => m.Fields.InFieldNumberOrder()
                .Select(f => $"{m.FullName}.{f.Name}={f.FieldNumber}:{f.FieldType}:{(f.FieldType is FieldType.Message ? f.MessageType.FullName : f.FieldType is FieldType.Enum ? f.EnumType.FullName : "")}:{(f.IsRepeated ? "repeated" : "")}{(f.IsMap ? "map" : "")}")
                .Concat(Shape(m.NestedTypes.Where(n => !n.GetOptions()?.MapEntry ?? true))))
            .OrderBy(x => x, StringComparer.Ordinal);

    private static IEnumerable<string> Enums(IEnumerable<EnumDescriptor> top, IEnumerable<MessageDescriptor> messages) =>
        top.Concat(AllMessages(messages).SelectMany(m => m.EnumTypes))
            .SelectMany(e => e.Values.Select(v => $"{e.FullName}.{v.Name}={v.Number}"))
            .OrderBy(x => x, StringComparer.Ordinal);

    private static IEnumerable<MessageDescriptor> AllMessages(IEnumerable<MessageDescriptor> messages) =>
        messages.SelectMany(m => new[] { m }.Concat(AllMessages(m.NestedTypes)));
}
#endif
