using Vmorph.Identity;
using Vmorph.Morphs;

namespace Vmorph.Morphing.Tests.Morphs;

public class MorphLeaseTests
{
    private static readonly DateTimeOffset T0 = Fixtures.Now;
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly VmId Vm = new("web-1");

    [Fact]
    public void Acquire_FreeVm_GivesVersionOne()
    {
        var lease = MorphLease.Acquire(null, Vm, "m1", "host-a:101", T0, Minute).Value;
        Assert.Equal(new MorphLease(Vm, "m1", "host-a:101", T0 + Minute, 1), lease);
    }

    [Fact]
    public void Acquire_WhileAnotherMorphHoldsIt_IsRefusedWithTheHoldersId()
    {
        var held = MorphLease.Acquire(null, Vm, "m1", "host-a:101", T0, Minute).Value;
        Assert.Equal("VM web-1 is being morphed by morph m1 (owner host-a:101, lease until 2025-01-06 10:01:00Z); wait for it to finish or try again later",
            Assert.Single(MorphLease.Acquire(held, Vm, "m2", "host-b:7", T0.AddSeconds(30), Minute).Errors));
        // Even expired, another morph does not take over: the holder's journal may need recovering first.
        Assert.Equal("VM web-1 has an unfinished morph m1 whose owner host-a:101 stopped renewing its lease at 2025-01-06 10:01:00Z; recover that morph first (vmorph recovers unfinished morphs when it starts)",
            Assert.Single(MorphLease.Acquire(held, Vm, "m2", "host-b:7", T0.AddHours(1), Minute).Errors));
    }

    [Fact]
    public void TakeOver_ForRecovery_OnlyOnceExpiredOrBySameOwner()
    {
        var held = MorphLease.Acquire(null, Vm, "m1", "host-a:101", T0, Minute).Value;
        Assert.False(MorphLease.TakeOver(held, "m1", "host-b:7", T0.AddSeconds(30), Minute).IsSuccess);
        var taken = MorphLease.TakeOver(held, "m1", "host-b:7", T0.AddMinutes(2), Minute).Value;
        Assert.Equal(("host-b:7", 2L), (taken.Owner, taken.Version));
        Assert.True(MorphLease.TakeOver(held, "m1", "host-a:101", T0.AddSeconds(30), Minute).IsSuccess);
        Assert.False(MorphLease.TakeOver(held, "m2", "host-a:101", T0.AddMinutes(2), Minute).IsSuccess);
    }

    [Fact]
    public void Renew_ByTheOwnerBeforeExpiry_ExtendsAndBumpsTheVersion_OtherwiseRefused()
    {
        var held = MorphLease.Acquire(null, Vm, "m1", "host-a:101", T0, Minute).Value;
        var renewed = held.Renew("host-a:101", T0.AddSeconds(30), Minute).Value;
        Assert.Equal((T0.AddSeconds(90), 2L), (renewed.Expires, renewed.Version));
        Assert.False(held.Renew("host-b:7", T0.AddSeconds(30), Minute).IsSuccess);
        Assert.False(held.Renew("host-a:101", T0.AddMinutes(2), Minute).IsSuccess);
        Assert.True(held.MayRelease("host-a:101", "m1"));
        Assert.False(held.MayRelease("host-b:7", "m1"));
    }
}
