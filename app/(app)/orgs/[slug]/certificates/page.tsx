import { EmptyState } from "@/components/ui";

export const metadata = { title: "Certificates" };

export default function CertificatesPage() {
  return (
    <>
      <h2 className="mb-4 text-lg font-semibold">Certificates</h2>
      <EmptyState title="No certificates yet">Request, renew and revoke certificates from the organization's sub-CAs here once the PKI is set up by an administrator.</EmptyState>
    </>
  );
}
