import { useState, type FormEvent } from 'react';
import { graphql } from '../api';
import { useQuery } from './shared';

/**
 * Admin edits through the API's own upserts (upsertAccount, upsertMembership,
 * upsertSubscription): the same validation, history and audit as any other client.
 */
export function AccountForms({ account, onSaved }: { account: any; onSaved(): void }) {
  const lookups = useQuery<{
    membershipRoles: { code: string }[];
    subscriptionStatuses: { code: string }[];
    plans: { edges: { node: { code: string } }[] };
  }>(
    '{ membershipRoles { code } subscriptionStatuses { code } plans(first: 100) { edges { node { code } } } }',
    {},
    [],
  );
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const submit =
    (mutation: string, variables: Record<string, unknown>, done: string) =>
    async (event: FormEvent) => {
      event.preventDefault();
      setMessage(null);
      try {
        await graphql(mutation, variables);
        setMessage({ ok: true, text: done });
        onSaved();
      } catch (error) {
        setMessage({ ok: false, text: (error as Error).message });
      }
    };

  const [fields, setFields] = useState({
    name: account.name ?? '',
    domain: account.domain ?? '',
    industry: account.industry ?? '',
    employeeCount: account.employeeCount?.toString() ?? '',
    isTest: account.isTest as boolean,
  });
  const [membership, setMembership] = useState({ userExternalId: '', role: 'MEMBER', leftAt: '' });
  const first = account.subscriptions[0];
  const [subscription, setSubscription] = useState({
    externalId: first?.externalId ?? `${account.externalId}-sub`,
    planCode: first?.plan?.code ?? '',
    status: first?.status ?? 'ACTIVE',
    mrr: first?.mrr?.toString() ?? '0',
    seats: first?.seats?.toString() ?? '',
    startedAt: (first?.startedAt ?? new Date().toISOString()).slice(0, 10),
    endedAt: first?.endedAt?.slice(0, 10) ?? '',
  });
  const pickSubscription = (externalId: string) => {
    const s = account.subscriptions.find((x: any) => x.externalId === externalId);
    if (!s) return setSubscription({ ...subscription, externalId });
    setSubscription({
      externalId,
      planCode: s.plan?.code ?? '',
      status: s.status,
      mrr: String(s.mrr),
      seats: s.seats?.toString() ?? '',
      startedAt: s.startedAt.slice(0, 10),
      endedAt: s.endedAt?.slice(0, 10) ?? '',
    });
  };

  return (
    <div className="forms" data-testid="admin-forms">
      <h2>Edit (admin key)</h2>
      {message && (
        <div className={message.ok ? 'success' : 'error'} data-testid="form-message">
          {message.text}
        </div>
      )}
      <form
        data-form="account"
        onSubmit={submit(
          `mutation ($input: UpsertAccountInput!) { upsertAccount(input: $input) { id } }`,
          {
            input: {
              externalId: account.externalId,
              name: fields.name || null,
              domain: fields.domain || null,
              industry: fields.industry || null,
              employeeCount: fields.employeeCount ? Number(fields.employeeCount) : null,
              isTest: fields.isTest,
            },
          },
          'Account saved',
        )}
      >
        <h3>Account</h3>
        <label>
          Name
          <input
            name="name"
            value={fields.name}
            onChange={(e) => setFields({ ...fields, name: e.target.value })}
          />
        </label>
        <label>
          Domain
          <input
            name="domain"
            value={fields.domain}
            onChange={(e) => setFields({ ...fields, domain: e.target.value })}
          />
        </label>
        <label>
          Industry
          <input
            name="industry"
            value={fields.industry}
            onChange={(e) => setFields({ ...fields, industry: e.target.value })}
          />
        </label>
        <label>
          Employees
          <input
            name="employeeCount"
            type="number"
            min="0"
            value={fields.employeeCount}
            onChange={(e) => setFields({ ...fields, employeeCount: e.target.value })}
          />
        </label>
        <label className="inline">
          <input
            name="isTest"
            type="checkbox"
            checked={fields.isTest}
            onChange={(e) => setFields({ ...fields, isTest: e.target.checked })}
          />
          test account
        </label>
        <button type="submit">Save account</button>
      </form>
      <form
        data-form="membership"
        onSubmit={submit(
          `mutation ($input: UpsertMembershipInput!) { upsertMembership(input: $input) { id } }`,
          {
            input: {
              accountExternalId: account.externalId,
              userExternalId: membership.userExternalId,
              role: membership.role,
              leftAt: membership.leftAt ? `${membership.leftAt}T00:00:00Z` : null,
            },
          },
          'Membership saved',
        )}
      >
        <h3>Membership</h3>
        <label>
          User external id
          <input
            name="userExternalId"
            list="member-ids"
            required
            value={membership.userExternalId}
            onChange={(e) => setMembership({ ...membership, userExternalId: e.target.value })}
          />
          <datalist id="member-ids">
            {account.users.map((u: any) => (
              <option key={u.externalId} value={u.externalId} />
            ))}
          </datalist>
        </label>
        <label>
          Role
          <select
            name="role"
            value={membership.role}
            onChange={(e) => setMembership({ ...membership, role: e.target.value })}
          >
            {(lookups.data?.membershipRoles ?? [{ code: 'MEMBER' }]).map((r) => (
              <option key={r.code}>{r.code}</option>
            ))}
          </select>
        </label>
        <label>
          Left at
          <input
            name="leftAt"
            type="date"
            value={membership.leftAt}
            onChange={(e) => setMembership({ ...membership, leftAt: e.target.value })}
          />
        </label>
        <button type="submit">Save membership</button>
      </form>
      <form
        data-form="subscription"
        onSubmit={submit(
          `mutation ($input: UpsertSubscriptionInput!) { upsertSubscription(input: $input) { id } }`,
          {
            input: {
              externalId: subscription.externalId,
              accountExternalId: account.externalId,
              planCode: subscription.planCode || null,
              status: subscription.status,
              mrr: Number(subscription.mrr),
              seats: subscription.seats ? Number(subscription.seats) : null,
              startedAt: `${subscription.startedAt}T00:00:00Z`,
              endedAt: subscription.endedAt ? `${subscription.endedAt}T00:00:00Z` : null,
            },
          },
          'Subscription saved',
        )}
      >
        <h3>Subscription</h3>
        <label>
          External id
          <input
            name="subscriptionExternalId"
            list="subscription-ids"
            required
            value={subscription.externalId}
            onChange={(e) => pickSubscription(e.target.value)}
          />
          <datalist id="subscription-ids">
            {account.subscriptions.map((s: any) => (
              <option key={s.externalId} value={s.externalId} />
            ))}
          </datalist>
        </label>
        <label>
          Plan
          <select
            name="planCode"
            value={subscription.planCode}
            onChange={(e) => setSubscription({ ...subscription, planCode: e.target.value })}
          >
            <option value="">none</option>
            {(lookups.data?.plans.edges ?? []).map(({ node }) => (
              <option key={node.code}>{node.code}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select
            name="status"
            value={subscription.status}
            onChange={(e) => setSubscription({ ...subscription, status: e.target.value })}
          >
            {(lookups.data?.subscriptionStatuses ?? [{ code: subscription.status }]).map((s) => (
              <option key={s.code}>{s.code}</option>
            ))}
          </select>
        </label>
        <label>
          MRR
          <input
            name="mrr"
            type="number"
            step="0.01"
            min="0"
            required
            value={subscription.mrr}
            onChange={(e) => setSubscription({ ...subscription, mrr: e.target.value })}
          />
        </label>
        <label>
          Seats
          <input
            name="seats"
            type="number"
            min="0"
            value={subscription.seats}
            onChange={(e) => setSubscription({ ...subscription, seats: e.target.value })}
          />
        </label>
        <label>
          Started
          <input
            name="startedAt"
            type="date"
            required
            value={subscription.startedAt}
            onChange={(e) => setSubscription({ ...subscription, startedAt: e.target.value })}
          />
        </label>
        <label>
          Ended
          <input
            name="endedAt"
            type="date"
            value={subscription.endedAt}
            onChange={(e) => setSubscription({ ...subscription, endedAt: e.target.value })}
          />
        </label>
        <button type="submit">Save subscription</button>
      </form>
    </div>
  );
}
