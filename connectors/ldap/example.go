package ldap

// Example documents every setting of the ldap connector.
func (*Settings) Example() string {
	return `  - name: ad
    type: ldap                   # Active Directory or OpenLDAP
    schedule: "@every 1h"
    settings:
      url: ldaps://dc1.district.org:636   # ldaps://, or ldap:// with start_tls: true
      start_tls: false           # upgrade an ldap:// connection before binding
      ca_file: ad-ca.pem         # PEM roots the server's certificate must chain to; empty: the system's
      server_name: ""            # name the certificate must carry; empty: the URL's host
      insecure: false            # allow plain ldap:// without TLS (lab only; never skips certificate checks)
      bind_dn: CN=rollcall,OU=Service Accounts,DC=district,DC=org
      bind_password: ${LDAP_BIND_PASSWORD}
      base_dn: DC=district,DC=org         # bounds filter: units and the nested-group walk
      flavor: active-directory   # or openldap: picks the defaults below
      user_filter: "(&(objectCategory=person)(objectClass=user))"  # openldap: (objectClass=inetOrgPerson)
      exclude_disabled: true     # AD: leave out accounts with ACCOUNTDISABLE (userAccountControl bit 2)
      nested_groups: auto        # auto, in-chain (AD's 1.2.840.113556.1.4.1941) or walk
      page_size: 500             # asked per page; the server may send fewer (AD at most 1000)
      timeout: 30s               # per request
      attributes:
        email: [mail, userPrincipalName]  # tried in order; openldap: [mail]
        name: displayName                 # then givenName + sn, then cn
        external_id: objectGUID           # openldap: entryUUID
      retry: {max_attempts: 6, max_elapsed: 2m, base_delay: 500ms}
      # retry: {rate_window: 1m, max_rate_wait: 10m}  # wait "busy" answers out; default off
  # Units of an ldap deployment: ou:<DN>, ou-onelevel:<DN>, group:<DN>,
  # nested-group:<DN>, filter:<LDAP filter>; roles map a unit to a role:
  #   units: ["ou:OU=Students,DC=district,DC=org", "group:CN=Teachers,OU=Groups,DC=district,DC=org"]
  #   roles: {"group:CN=Teachers,OU=Groups,DC=district,DC=org": teacher}
`
}
