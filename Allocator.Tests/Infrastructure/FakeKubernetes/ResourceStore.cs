using System.Text.Json.Nodes;

namespace Allocator.Tests.Infrastructure.FakeKubernetes;

/// <summary>
/// The fake's etcd: every object by (type, namespace, name), one global resourceVersion bumped by every
/// write, and the <see cref="EventLog"/> fed under the same lock. Callers get deep copies, never the
/// stored nodes.
/// </summary>
internal sealed partial class ResourceStore(TimeProvider time, ApiSettings settings)
{
    private readonly record struct Key(ResourceType Type, string Namespace, string Name);

    private readonly object _gate = new();
    private readonly Dictionary<Key, JsonObject> _objects = [];
    private readonly EventLog _events = new(settings, time);

    // A real cluster never shows resourceVersion 0 (it means "any" to a watch), nor does the fake.
    private long _resourceVersion = 100;

    public long ResourceVersion { get { lock (_gate) return _resourceVersion; } }

    public JsonObject? Get(ResourceType type, string ns, string name)
    {
        lock (_gate) return _objects.GetValueOrDefault(new Key(type, ns, name)) is { } obj ? Copy(obj) : null;
    }

    /// <summary>Matching objects sorted by namespace and name (etcd key order), and the resourceVersion they are current at.</summary>
    public (IReadOnlyList<JsonObject> Items, long ResourceVersion) List(ResourceType type, ObjectFilter filter)
    {
        lock (_gate) return (Current(type).Where(filter.Matches).Select(Copy).ToList(), _resourceVersion);
    }

    public JsonObject Create(ResourceType type, string ns, JsonObject obj)
    {
        obj = Copy(obj);
        lock (_gate)
        {
            var name = ObjectMeta.Name(obj) ?? GeneratedName(obj)
                ?? throw ApiStatus.Invalid(type, "", "metadata.name: Required value: name or generateName is required");
            var key = new Key(type, ns, name);
            if (_objects.ContainsKey(key)) throw ApiStatus.AlreadyExists(type, name);
            Validate(obj, type, name);
            WriteRules.OnCreate(obj, type, ns, name, ++_resourceVersion, time.GetUtcNow());
            _objects[key] = obj;
            _events.Append(new StoredEvent(_resourceVersion, "ADDED", type, null, obj));
            return Copy(obj);
        }
    }

    /// <summary>
    /// Replaces an object with <paramref name="change"/>(a copy of it), keeping the server-owned fields.
    /// An unchanged result writes nothing; a deleting object whose last finalizer went is removed.
    /// <paramref name="change"/> runs under the lock and may throw an <see cref="ApiException"/>.
    /// </summary>
    public JsonObject Update(ResourceType type, string ns, string name, Func<JsonObject, JsonObject> change)
    {
        lock (_gate)
        {
            var key = new Key(type, ns, name);
            var stored = _objects.GetValueOrDefault(key) ?? throw ApiStatus.NotFound(type, name);
            var next = Copy(change(Copy(stored)));
            WriteRules.CarryServerFields(type, stored, next);
            if (JsonNode.DeepEquals(stored, next)) return Copy(stored);
            Validate(next, type, name);
            WriteRules.Stamp(next, ++_resourceVersion);
            if (ObjectMeta.IsDeleting(next) && !ObjectMeta.HasFinalizers(next))
            {
                _objects.Remove(key);
                _events.Append(new StoredEvent(_resourceVersion, "DELETED", type, stored, next));
                return Copy(next);
            }
            _objects[key] = next;
            _events.Append(new StoredEvent(_resourceVersion, "MODIFIED", type, stored, next));
            return Copy(next);
        }
    }

    /// <summary>A server-side write: creates the object, or replaces it whatever its resourceVersion.</summary>
    public JsonObject Put(ResourceType type, JsonObject obj)
    {
        var ns = ObjectMeta.Namespace(obj) ?? "default";
        var name = ObjectMeta.Name(obj) ?? throw new ArgumentException("metadata.name is required", nameof(obj));
        lock (_gate)
        {
            return _objects.ContainsKey(new Key(type, ns, name))
                ? Update(type, ns, name, _ => Copy(obj))
                : Create(type, ns, obj);
        }
    }

    /// <summary>
    /// Deletes an object: at once when it has no finalizers (or <paramref name="force"/>), otherwise it is
    /// only marked with a deletionTimestamp. Returns the final object and whether it is gone.
    /// </summary>
    public (JsonObject Object, bool Gone) Delete(ResourceType type, string ns, string name, string? precondition, bool force)
    {
        lock (_gate)
        {
            var key = new Key(type, ns, name);
            var stored = _objects.GetValueOrDefault(key) ?? throw ApiStatus.NotFound(type, name);
            if (precondition is not null && precondition != ObjectMeta.ResourceVersion(stored)) throw ApiStatus.Conflict(type, name);
            if (!force && ObjectMeta.HasFinalizers(stored)) return (MarkDeleting(type, ns, name), false);
            _objects.Remove(key);
            var final = Copy(stored);
            WriteRules.Stamp(final, ++_resourceVersion);
            _events.Append(new StoredEvent(_resourceVersion, "DELETED", type, stored, final));
            return (Copy(final), true);
        }
    }

    /// <summary>Sets metadata.deletionTimestamp (once) without removing the object, as a graceful delete does.</summary>
    public JsonObject MarkDeleting(ResourceType type, string ns, string name)
    {
        lock (_gate)
        {
            var key = new Key(type, ns, name);
            var stored = _objects.GetValueOrDefault(key) ?? throw ApiStatus.NotFound(type, name);
            if (ObjectMeta.IsDeleting(stored)) return Copy(stored);
            var next = Copy(stored);
            var metadata = ObjectMeta.Of(next);
            metadata["deletionTimestamp"] = ObjectMeta.Timestamp(time.GetUtcNow());
            metadata["deletionGracePeriodSeconds"] = 0;
            WriteRules.Stamp(next, ++_resourceVersion);
            _objects[key] = next;
            _events.Append(new StoredEvent(_resourceVersion, "MODIFIED", type, stored, next));
            return Copy(next);
        }
    }

    /// <summary>Object-meta rules every write gets, and the GameServer CRD's schema.</summary>
    private void Validate(JsonObject obj, ResourceType type, string name)
    {
        WriteRules.Validate(obj, type, name);
        if (type == ResourceType.GameServers) GameServerSchema.Validate(obj, name, settings.ListMaxItems);
        if (type == ResourceType.AllocationPolicies) AllocationPolicySchema.Validate(obj, name);
    }

    private IEnumerable<JsonObject> Current(ResourceType type) =>
        _objects.Where(p => p.Key.Type == type)
            .OrderBy(p => p.Key.Namespace, StringComparer.Ordinal)
            .ThenBy(p => p.Key.Name, StringComparer.Ordinal)
            .Select(p => p.Value);

    private static string? GeneratedName(JsonObject obj) =>
        (string?)ObjectMeta.Of(obj)["generateName"] is { } prefix ? prefix + Guid.NewGuid().ToString("N")[..5] : null;

    private static JsonObject Copy(JsonObject obj) => WireJson.Copy(obj);
}
