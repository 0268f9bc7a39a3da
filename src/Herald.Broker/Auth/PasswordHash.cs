using System.Security.Cryptography;
using System.Text;

namespace Herald.Broker.Auth;

/// <summary>
/// Passwords as Mosquitto 2 stores them, so a <c>mosquitto_passwd</c> file moves over unchanged:
/// <c>$7$iterations$salt$hash</c>, PBKDF2-HMAC-SHA512 with a per-user random salt, base64. New
/// hashes take <see cref="DefaultIterations"/> (Mosquitto writes 101, far too few today); checks
/// honour whatever count a hash carries. Mosquitto 1.x's <c>$6$salt$hash</c> (one SHA-512 of
/// password and salt) is accepted for imported files. Comparisons take constant time.
/// </summary>
public static class PasswordHash
{
    /// <summary>OWASP's 2023 figure for PBKDF2-HMAC-SHA512.</summary>
    public const int DefaultIterations = 210_000;

    private const int SaltBytes = 12; // as mosquitto_passwd
    private const int HashBytes = 64;

    public static string Create(string password, int iterations = DefaultIterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, HashBytes);
        return $"$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Whether <paramref name="encoded"/> is a hash this class can check.</summary>
    public static bool IsValid(string encoded) => TryParse(encoded, out _, out _, out _);

    public static bool Verify(string password, string encoded) => Verify(Encoding.UTF8.GetBytes(password), encoded);

    /// <summary>Checks a password as CONNECT carries it: bytes, read by Mosquitto as UTF-8 text.</summary>
    public static bool Verify(byte[] password, string encoded)
    {
        if (!TryParse(encoded, out var iterations, out var salt, out var expected))
            return false;
        var bytes = password;
        var actual = iterations == 0
            ? SHA512.HashData([.. bytes, .. salt])
            : Rfc2898DeriveBytes.Pbkdf2(bytes, salt, iterations, HashAlgorithmName.SHA512, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Reads <c>$7$iterations$salt$hash</c>, or <c>$6$salt$hash</c> (iterations 0).</summary>
    private static bool TryParse(string encoded, out int iterations, out byte[] salt, out byte[] hash)
    {
        (iterations, salt, hash) = (0, [], []);
        var parts = encoded.Split('$');
        try
        {
            switch (parts)
            {
                case ["", "7", var count, var s, var h] when int.TryParse(count, out iterations) && iterations > 0:
                    (salt, hash) = (Convert.FromBase64String(s), Convert.FromBase64String(h));
                    return hash.Length > 0;
                case ["", "6", var s, var h]:
                    (salt, hash) = (Convert.FromBase64String(s), Convert.FromBase64String(h));
                    return hash.Length == HashBytes;
                default:
                    return false;
            }
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
