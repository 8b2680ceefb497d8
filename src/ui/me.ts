/** Who is signed in (GET /v1/tokens/self), shared with every screen through a Preact context. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Me {
  accessor: string;
  subject: string;
  policies: string[];
  name: string | null;
  expiresAt: string | null;
}

export const MeContext = createContext<Me | undefined>(undefined);

export function useMe(): Me | undefined {
  return useContext(MeContext);
}
