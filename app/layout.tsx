import type { Metadata } from "next";
import { headers } from "next/headers";
import type { ReactNode } from "react";
import { HydrationMark } from "@/components/hydration-mark";
import { TRPCProvider } from "@/components/trpc";
import "./globals.css";

export const metadata: Metadata = { title: { default: "Rookery", template: "%s · Rookery" }, icons: { icon: "/favicon.svg" } };

// Applies the saved theme before first paint (no flash); "system" follows the OS.
const themeScript = `try{var t=localStorage.getItem('theme');if(t==='dark'||(t!=='light'&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The front door (server/security/front-door.ts) allows only scripts with this nonce.
  const nonce = (await headers()).get("x-nonce") ?? undefined;
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body className="min-h-screen bg-gray-50 text-gray-900 antialiased dark:bg-gray-950 dark:text-gray-100">
        <TRPCProvider>{children}</TRPCProvider>
        <HydrationMark />
      </body>
    </html>
  );
}
