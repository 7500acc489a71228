-- vmorph store, version 7: each VM's version beside its id in an index of its own, so that the decide loop's version
-- check before appending a sample (every VM, every cycle) reads this small index rather than the VM's row, which
-- holds up to a page of its profile document: 10,000 VMs' checks read about 150 pages instead of a page each.
CREATE INDEX vms_versions ON vms (vm_id, version);
