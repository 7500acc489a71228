using Vmorph.Identity;
using Vmorph.Planning;

namespace Vmorph.Morphs;

/// <summary>
/// The port through which the engine carries out a morph's actions on a real VM (libvirt for the hypervisor; the QEMU
/// guest agent or SSH for the guest). Every method is idempotent, takes a cancellation token, and returns expected
/// failures (the guest does not answer, libvirt refuses) as failed results whose message names the VM and what failed;
/// the engine turns them into the matching failure event. Guest operations must run argument vectors built from the
/// validated names in the step (<see cref="TargetProfiles.GuestNames"/>), never shell strings.
/// </summary>
public interface IMorphDriver
{
    /// <summary>Checks a precondition only the driver can (<see cref="PreconditionKind.GuestAnswers"/>, <see cref="PreconditionKind.NoVcpuHotAddSinceStart"/>); true when it holds.</summary>
    Task<Result<bool>> CheckAsync(VmId vm, Precondition precondition, CancellationToken cancellationToken);

    /// <summary>Takes an internal snapshot of memory and disks named <paramref name="name"/>, deleting a partial one of that name first.</summary>
    Task<Result<Done>> TakeSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken);

    /// <summary>Reverts the VM to the snapshot (memory, disks and definition), leaving it running.</summary>
    Task<Result<Done>> RevertSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken);

    /// <summary>Deletes the snapshot; a missing snapshot is success.</summary>
    Task<Result<Done>> DeleteSnapshotAsync(VmId vm, string name, CancellationToken cancellationToken);

    /// <summary>Sets the operation's values, live or in the persistent definition as its mode says.</summary>
    Task<Result<Done>> ApplyAsync(VmId vm, StepOperation operation, CancellationToken cancellationToken);

    /// <summary>Restarts the VM (shut down, then start with its persistent definition) and waits until it runs.</summary>
    Task<Result<Done>> RestartAsync(VmId vm, CancellationToken cancellationToken);
}
