namespace Allocator.Service.Api;

/// <summary>Kubernetes naming rules for the names callers send.</summary>
public static class Names
{
    public static bool IsDnsLabel(string s) =>
        s.Length is > 0 and <= 63 && s.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') && s[0] != '-' && s[^1] != '-';

    /// <summary>A counter or list name (Agones allows any non-empty string; we bound its length).</summary>
    public static bool IsKey(string s) => s.Length is > 0 and <= Limits.MaxKeyLength && !s.Any(char.IsControl);

    /// <summary>Optional DNS-subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static bool IsLabelKey(string s)
    {
        var slash = s.LastIndexOf('/');
        var name = slash < 0 ? s : s[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = s[..slash];
            if (prefix.Length is 0 or > 253 || !prefix.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.')) return false;
        }

        return name.Length is > 0 and <= 63 && IsNameChars(name) && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1]);
    }

    public static bool IsLabelValue(string s) =>
        s.Length == 0 || (s.Length <= 63 && IsNameChars(s) && char.IsAsciiLetterOrDigit(s[0]) && char.IsAsciiLetterOrDigit(s[^1]));

    /// <summary>A caller-supplied request id: it becomes part of a Redis key, so keep it plain.</summary>
    public static bool IsRequestId(string s) =>
        s.Length is > 0 and <= Limits.MaxRequestIdLength && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    private static bool IsNameChars(string s) => s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
