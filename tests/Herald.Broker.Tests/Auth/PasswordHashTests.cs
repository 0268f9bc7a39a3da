using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Herald.Broker.Auth;

namespace Herald.Broker.Tests.Auth;

/// <summary>Mosquitto's password hashes: <c>$7$</c> (PBKDF2-SHA512) made and checked, <c>$6$</c> (Mosquitto 1.x) checked.</summary>
public sealed class PasswordHashTests
{
    private const string MosquittoPasswd = "/usr/bin/mosquitto_passwd";

    [Fact]
    public void Created_hash_verifies_its_password()
    {
        var hash = PasswordHash.Create("correct horse", iterations: 1_000);

        Assert.True(PasswordHash.Verify("correct horse", hash));
        Assert.True(PasswordHash.IsValid(hash));
    }

    [Fact]
    public void Created_hash_has_mosquittos_layout_with_the_default_iterations()
    {
        var parts = PasswordHash.Create("pw").Split('$');

        Assert.Equal(["", "7", PasswordHash.DefaultIterations.ToString()], parts[..3]);
        Assert.Equal(12, Convert.FromBase64String(parts[3]).Length); // salt, as mosquitto_passwd
        Assert.Equal(64, Convert.FromBase64String(parts[4]).Length); // SHA-512 output
    }

    [Fact]
    public void Same_password_hashes_differently_each_time()
    {
        Assert.NotEqual(PasswordHash.Create("pw", 1_000), PasswordHash.Create("pw", 1_000));
    }

    [Theory]
    [InlineData("correct horsE")]
    [InlineData("correct horse ")]
    [InlineData("")]
    public void Wrong_password_does_not_verify(string wrong)
    {
        var hash = PasswordHash.Create("correct horse", iterations: 1_000);

        Assert.False(PasswordHash.Verify(wrong, hash));
    }

    [Fact]
    public void Password_bytes_as_connect_carries_them_verify()
    {
        var hash = PasswordHash.Create("pässwörd", iterations: 1_000);

        Assert.True(PasswordHash.Verify(Encoding.UTF8.GetBytes("pässwörd"), hash));
        Assert.False(PasswordHash.Verify(Encoding.Latin1.GetBytes("pässwörd"), hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("$8$101$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // unknown prefix
    [InlineData("7$101$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // no leading $
    [InlineData("$7$0$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // zero iterations
    [InlineData("$7$-101$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // negative iterations
    [InlineData("$7$many$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // iterations not a number
    [InlineData("$7$101$not*base64$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")] // bad salt
    [InlineData("$7$101$3DS8hO1IVCl/MNIQ$not*base64")] // bad hash
    [InlineData("$7$101$3DS8hO1IVCl/MNIQ$")] // empty hash
    [InlineData("$7$101$3DS8hO1IVCl/MNIQ")] // a part missing
    [InlineData("$7$101$3DS8hO1IVCl/MNIQ$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==$")] // a part too many
    [InlineData("$6$3DS8hO1IVCl/MNIQ$wTgY")] // $6$ hash shorter than SHA-512
    [InlineData("$6$not*base64$wTgYO5xr01m3KfFyRxRTiicY4TbSUMTdw07Tg4VlCwOvnTYcFTg3ybQujuv2nAIN8eHgp1jGl3wI2LCRxx+5Qw==")]
    public void Malformed_hash_is_invalid_and_verifies_nothing(string encoded)
    {
        Assert.False(PasswordHash.IsValid(encoded));
        Assert.False(PasswordHash.Verify("s3cret", encoded));
        Assert.False(PasswordHash.Verify("", encoded));
    }

    [Fact]
    public void Mosquitto_1_hash_is_one_sha512_of_password_then_salt()
    {
        byte[] salt = [0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE, 0x01, 0x23, 0x45, 0x67];
        var digest = SHA512.HashData([.. Encoding.UTF8.GetBytes("s3cret"), .. salt]);
        var encoded = $"$6${Convert.ToBase64String(salt)}${Convert.ToBase64String(digest)}";

        Assert.True(PasswordHash.IsValid(encoded));
        Assert.True(PasswordHash.Verify("s3cret", encoded));
        Assert.False(PasswordHash.Verify("s3creT", encoded));
    }

    [Theory]
    [InlineData("sha512-pbkdf2", "$7$", "s3cret")]
    [InlineData("sha512-pbkdf2", "$7$", "pässwörd with spaces")]
    [InlineData("sha512", "$6$", "s3cret")]
    [InlineData("sha512", "$6$", "pässwörd with spaces")]
    public async Task Line_written_by_mosquitto_passwd_verifies(string algorithm, string prefix, string password)
    {
        var hash = await MosquittoPasswdAsync(algorithm, "alice", password);

        Assert.StartsWith(prefix, hash, StringComparison.Ordinal);
        Assert.True(PasswordHash.IsValid(hash), hash);
        Assert.True(PasswordHash.Verify(password, hash), hash);
        Assert.False(PasswordHash.Verify(password + "x", hash), hash);
    }

    /// <summary>Runs <c>mosquitto_passwd -H ALG -c -b FILE user pass</c> on a temporary file and returns the hash it wrote for the user.</summary>
    private static async Task<string> MosquittoPasswdAsync(string algorithm, string user, string password)
    {
        var directory = Directory.CreateTempSubdirectory("herald-passwd-");
        try
        {
            var file = Path.Combine(directory.FullName, "passwd");
            var info = new ProcessStartInfo(MosquittoPasswd) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in (string[])["-H", algorithm, "-c", "-b", file, user, password])
                info.ArgumentList.Add(argument);
            using var process = Process.Start(info)!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var error = process.StandardError.ReadToEndAsync(cts.Token);
            await process.StandardOutput.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);
            Assert.True(process.ExitCode == 0, $"mosquitto_passwd exited {process.ExitCode}: {await error}");

            var line = Assert.Single(File.ReadAllLines(file), l => l.Length > 0);
            var colon = line.IndexOf(':');
            Assert.Equal(user, line[..colon]);
            return line[(colon + 1)..];
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
