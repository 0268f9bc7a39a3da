using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Server.Cli;

/// <summary>
/// Reads Mosquitto's password file (<c>user:hash</c> lines from <c>mosquitto_passwd</c>, hashes
/// <c>$7$</c> or <c>$6$</c>) and acl_file (<c>user NAME</c>, <c>topic [read|write|readwrite|deny] FILTER</c>,
/// <c>pattern [...] FILTER</c>; <c>topic</c> lines before any <c>user</c> line are for anonymous
/// clients; access defaults to readwrite), so a Mosquitto deployment moves over unchanged. A line
/// that cannot be read fails the whole file, naming the line: nothing half imported.
/// </summary>
public static class MosquittoFiles
{
    public static IReadOnlyList<(string Username, string PasswordHash)> ReadPasswords(string path) =>
        [.. Lines(path).Select(line =>
        {
            var colon = line.Text.IndexOf(':');
            var (name, hash) = colon > 0 ? (line.Text[..colon], line.Text[(colon + 1)..]) : ("", "");
            if (name.Length == 0 || !PasswordHash.IsValid(hash))
                throw new FormatException($"{path}:{line.Number}: not 'user:hash' with a $7$ (PBKDF2-SHA512) or $6$ (SHA-512) hash; plain-text passwords are not imported (hash them with mosquitto_passwd -U)");
            return (name, hash);
        })];

    public static IReadOnlyList<AclRule> ReadAcl(string path)
    {
        var rules = new List<AclRule>();
        string? user = null;
        foreach (var (number, text) in Lines(path))
        {
            var words = text.Split((char[]?)null, 3, StringSplitOptions.RemoveEmptyEntries);
            switch (words)
            {
                case ["user", var name]:
                    user = name;
                    break;
                case ["topic" or "pattern", ..]:
                    var (access, topic) = words.Length == 3 && AclRule.TryParseAccess(words[1], out var given)
                        ? (given, words[2])
                        : (AclAccess.ReadWrite, text[words[0].Length..].Trim());
                    if (!TopicRules.IsValidTopicFilter(topic))
                        throw new FormatException($"{path}:{number}: '{topic}' is not a valid topic filter");
                    var (subject, principal) = words[0] == "pattern" ? (AclSubject.Everyone, null)
                        : user is null ? (AclSubject.Anonymous, null)
                        : (AclSubject.User, user);
                    rules.Add(new AclRule(0, subject, principal, access, topic));
                    break;
                default:
                    throw new FormatException($"{path}:{number}: expected 'user NAME', 'topic [read|write|readwrite|deny] FILTER' or 'pattern [...] FILTER', not '{text}'");
            }
        }
        return rules;
    }

    /// <summary>The file's lines that say something: numbered from 1, trimmed, without blank lines and '#' comments.</summary>
    private static IEnumerable<(int Number, string Text)> Lines(string path) =>
        File.ReadAllLines(path)
            .Select((line, index) => (Number: index + 1, Text: line.Trim()))
            .Where(line => line.Text.Length > 0 && !line.Text.StartsWith('#'));
}
